/**
 * A small scanner for the listing documents of S3 (ListBucketResult) and Azure (EnumerationResults),
 * shared by the fast listing readers (s3-list-xml.ts, azure-list-xml.ts).
 *
 * Why: the SDKs' XML deserializers build a generic tree and then walk an operation schema; for a
 * 1,000-entry page that is 15–200 ms of CPU on the thread that also answers HTTP requests. A listing
 * needs a handful of leaf values, which `indexOf` finds about ten times faster.
 *
 * It throws XmlUnsupported on anything it does not fully understand (CDATA, DOCTYPE, mismatched tags,
 * unknown entities, another root, text outside the root): the caller then hands the document to the SDK.
 */

export class XmlUnsupported extends Error {}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  if (s.indexOf("&") === -1) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e[0] === "#") {
      const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    const v = ENTITIES[e];
    if (v === undefined) throw new XmlUnsupported(`unknown XML entity ${m}`);
    return v;
  });
}

export interface XmlVisitor {
  /** An element opened under `parents` (the root's parents are []); `attrs` is the raw attribute text. */
  open?(parents: readonly string[], name: string, attrs: string): void;
  /**
   * An element closed under `parents`. `text` is its decoded text when it is a leaf (an element child
   * resets what came before it), "" for a self-closing element.
   */
  close(parents: readonly string[], name: string, text: string): void;
}

/** Walks a document whose root must be `root`, calling the visitor per element. */
export function scanXml(x: string, root: string, visit: XmlVisitor): void {
  const z = x.length;
  const stack: string[] = [];
  let text = "";
  let textOpen = false;
  let sawRoot = false;
  let i = 0;
  while (i < z) {
    const lt = x.indexOf("<", i);
    if (lt === -1) {
      if (stack.length || x.slice(i).trim() !== "") throw new XmlUnsupported("unexpected end of document");
      break;
    }
    if (lt > i) {
      const chunk = x.slice(i, lt);
      if (stack.length === 0) {
        if (chunk.trim() !== "") throw new XmlUnsupported("text outside the root element");
      } else {
        text += decodeEntities(chunk);
        textOpen = true;
      }
    }
    const c = x.charCodeAt(lt + 1);
    if (c === 63 /* ? */) {
      const end = x.indexOf("?>", lt + 2);
      if (end === -1) throw new XmlUnsupported("unterminated declaration");
      i = end + 2;
      continue;
    }
    if (c === 33 /* ! */) {
      if (!x.startsWith("<!--", lt)) throw new XmlUnsupported("CDATA or DOCTYPE");
      const end = x.indexOf("-->", lt + 4);
      if (end === -1) throw new XmlUnsupported("unterminated comment");
      i = end + 3;
      continue;
    }
    const gt = x.indexOf(">", lt + 1);
    if (gt === -1) throw new XmlUnsupported("unterminated tag");
    if (c === 47 /* / */) {
      const name = x.slice(lt + 2, gt).trim();
      const open = stack.pop();
      if (open !== name) throw new XmlUnsupported(`mismatched tags <${open}> and </${name}>`);
      const t = textOpen ? text : "";
      text = "";
      textOpen = false;
      visit.close(stack, name, t);
      i = gt + 1;
      continue;
    }
    // An opening (or self-closing) tag.
    const selfClosing = x.charCodeAt(gt - 1) === 47;
    let nameEnd = lt + 1;
    for (let ch = x.charCodeAt(nameEnd); nameEnd < gt && ch !== 32 && ch !== 9 && ch !== 10 && ch !== 13 && ch !== 47; ch = x.charCodeAt(++nameEnd));
    const name = x.slice(lt + 1, nameEnd);
    if (!name) throw new XmlUnsupported("empty tag name");
    if (stack.length === 0) {
      if (sawRoot || name !== root) throw new XmlUnsupported(`root element <${name}>`);
      sawRoot = true;
    }
    text = "";
    textOpen = false;
    visit.open?.(stack, name, x.slice(nameEnd, selfClosing ? gt - 1 : gt));
    if (selfClosing) visit.close(stack, name, "");
    else stack.push(name);
    i = gt + 1;
  }
  if (!sawRoot || stack.length) throw new XmlUnsupported(`no complete ${root}`);
}
