/** True in the browser, false while rendering on the server (Fresh's `IS_BROWSER`). */
export const IS_BROWSER = typeof document !== "undefined";
