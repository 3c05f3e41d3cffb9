// Parses Mermaid diagrams with the real Mermaid parser, many in one process.
// stdin: a JSON array of diagram texts; stdout: a JSON array of {"ok": bool, "error": str|null}.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><body></body>", { pretendToBeVisual: true });
// Mermaid (and DOMPurify, which it loads) expect a browser's globals.
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const name of ["DOMParser", "Element", "HTMLElement", "Node", "navigator"]) {
  if (!(name in globalThis)) {
    Object.defineProperty(globalThis, name, { value: dom.window[name], configurable: true });
  }
}

const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    await mermaid.parse(text);
    results.push({ ok: true, error: null });
  } catch (error) {
    results.push({ ok: false, error: String(error && error.message ? error.message : error) });
  }
}
process.stdout.write(JSON.stringify(results));
