import assert from "node:assert/strict";
import { test } from "node:test";
import { fence, inlineCode, neutralize } from "../../../src/app/markdown.ts";

/** The closing fence of a fenced block: the last line, which must be the only line of that shape. */
function fenceLines(block: string): { open: string; close: string; body: string[] } {
  const lines = block.split("\n");
  return { open: lines[0] as string, close: lines.at(-1) as string, body: lines.slice(1, -1) };
}

test("fence: longer than any backtick run inside, so the text cannot close it", () => {
  const hostile = "before\n```\n@org/team <img src=x onerror=alert(1)>\n``````\nafter";
  const block = fence(hostile, "text");
  const { open, close, body } = fenceLines(block);
  assert.equal(open, "```````text");
  assert.equal(close, "```````");
  assert.equal(body.join("\n"), hostile);
  // No line inside is a fence of the same length or longer.
  assert.ok(body.every((line) => !/^\s*`{7,}\s*$/.test(line)));
});

test("fence: at least three; CRLF normalized; a trailing newline not doubled; empty text", () => {
  assert.equal(fence("plain"), "```\nplain\n```");
  assert.equal(fence("a\r\nb\n"), "```\na\nb\n```");
  assert.equal(fence(""), "```\n```");
});

test("fence: an info string with a backtick or newline cannot break out; tildes then, longer than any inside", () => {
  const block = fence("~~~~\ncode", "js`\n# heading");
  const { open, close, body } = fenceLines(block);
  assert.equal(open, "~~~~~js` # heading");
  assert.equal(close, "~~~~~");
  assert.deepEqual(body, ["~~~~", "code"]);
  // A backtick fence is not closed by tildes, so tilde runs need no care there.
  assert.equal(fence("~~~\nx"), "```\n~~~\nx\n```");
});

test("inlineCode: a span its text cannot close, padded when the text touches a backtick, one line", () => {
  assert.equal(inlineCode("abc"), "`abc`");
  assert.equal(inlineCode("a`b"), "``a`b``");
  assert.equal(inlineCode("`x``"), "``` `x`` ```");
  assert.equal(inlineCode("line1\nline2"), "`line1 line2`");
  assert.equal(inlineCode(""), "` `");
  assert.equal(inlineCode("a|b", { table: true }), "`a\\|b`");
});

test("neutralize: mentions and references broken, so nobody is pinged and no issue is cross-linked", () => {
  const out = neutralize("ping @org/team and @maya, see #12 and other/repo#3");
  assert.doesNotMatch(out, /@[A-Za-z0-9]/);
  assert.doesNotMatch(out, /#\d/);
  assert.match(out, /@\u200Dorg\/team/);
});

test("neutralize: HTML is shown, never rendered", () => {
  const out = neutralize(`<img src=x onerror="alert(1)"> & <script>`);
  assert.doesNotMatch(out, /[<>"]/);
  assert.match(out, /^&lt;img src=x onerror=&quot;alert\\\(1\\\)&quot;&gt; &amp; &lt;script&gt;$/);
});

test("neutralize: link and image syntax cannot form", () => {
  const out = neutralize("[click](javascript:alert(1)) ![x](https://evil.example/p.png)");
  // Every bracket and parenthesis is escaped: no `](` pair survives unescaped.
  assert.doesNotMatch(out, /(^|[^\\])[[\]()]/);
  assert.match(out, /\\\]\\\(javascript:/);
  assert.match(out, /\\!\\\[x\\\]/);
});

test("neutralize: one line, pipes escaped, so a table cell cannot be split or a row added", () => {
  const out = neutralize("a | b\n| c | d |\n|---|");
  assert.doesNotMatch(out, /\n/);
  assert.doesNotMatch(out, /(^|[^\\])\|/);
});

test("neutralize: a leading heading, list, quote or ordered-list marker is escaped", () => {
  assert.equal(neutralize("# title").startsWith("\\#"), true);
  assert.equal(neutralize("- item"), "\\- item");
  assert.equal(neutralize("+ item"), "\\+ item");
  assert.equal(neutralize("1. item"), "1\\. item");
  assert.equal(neutralize("> quote"), "&gt; quote");
  assert.equal(neutralize("==="), "\\===");
});

test("neutralize: emphasis, code and strikethrough markers escaped; plain host names unchanged", () => {
  assert.equal(neutralize("*b* _i_ `c` ~~s~~ \\"), "\\*b\\* \\_i\\_ \\`c\\` \\~\\~s\\~\\~ \\\\");
  assert.equal(neutralize("app.example.com"), "app.example.com");
  assert.equal(neutralize("hello-service"), "hello-service");
});
