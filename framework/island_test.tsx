import { equal, match } from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { defineIsland, ISLANDS, serializeProps } from "./island.tsx";

Deno.test("serializeProps() cannot close the script element it is written into", () => {
  const text = serializeProps({ x: "</script><script>alert(1)</script>", y: "\u2028" });
  equal(text.includes("<"), false);
  equal(text.includes("\u2028"), false);
  equal(JSON.parse(text).x, "</script><script>alert(1)</script>");
});

Deno.test("defineIsland() marks the island and its props in server HTML and registers it", () => {
  function Hello({ name }: { name: string }) {
    return <p>Hello {name}</p>;
  }
  const Island = defineIsland("HelloTest", Hello);
  equal(ISLANDS.get("HelloTest"), Hello);
  const html = renderToString(<Island name="<Ann>" />);
  match(
    html,
    /<script type="application\/json" data-island-props="(\d+)">\{"name":"\\u003cAnn>"\}<\/script>/,
  );
  match(
    html,
    /<div data-island="HelloTest" data-island-id="\d+" class="island"><p>Hello &lt;Ann><\/p><\/div>/,
  );
});
