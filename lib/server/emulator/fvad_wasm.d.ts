declare const fvadWasm: WebAssembly.Module;
export default fvadWasm;
