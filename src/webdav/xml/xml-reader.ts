// Namespace-aware XML parsing of request bodies (PROPFIND, PROPPATCH, LOCK) with sax in strict mode.
// A DOCTYPE is refused outright, so no entity (external or internal) is ever declared or expanded:
// that closes XXE and entity-expansion bombs. Depth and element count are bounded too.
import sax from 'sax';

export interface XmlAttr {
  ns: string;
  name: string;
  prefix: string;
  value: string;
}

export interface XmlElement {
  ns: string;
  name: string;
  attrs: XmlAttr[];
  children: XmlNode[];
}

export type XmlNode = XmlElement | string;

export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
}

export interface XmlLimits {
  maxDepth: number;
  maxElements: number;
}

const DEFAULT_LIMITS: XmlLimits = { maxDepth: 64, maxElements: 50_000 };

export function parseXml(text: string, limits: XmlLimits = DEFAULT_LIMITS): XmlElement {
  const parser = sax.parser(true, { xmlns: true, position: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  const fail = (why: string): never => {
    throw new XmlSyntaxError(why);
  };
  parser.onerror = (e) => fail(e.message.split('\n')[0] ?? 'malformed XML');
  parser.ondoctype = () => fail('DOCTYPE is not allowed');
  parser.onopentag = (tag) => {
    const t = tag as sax.QualifiedTag;
    if (++elements > limits.maxElements) fail('too many elements');
    if (stack.length >= limits.maxDepth) fail('nesting too deep');
    if (!stack.length && root) fail('more than one root element');
    const attrs: XmlAttr[] = [];
    for (const a of Object.values(t.attributes)) {
      // Namespaces 1.0 cannot undeclare a prefix (only the default namespace may be "").
      if (a.name.startsWith('xmlns:') && a.value === '') fail(`empty namespace for prefix ${a.local}`);
      if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue;
      attrs.push({ ns: a.uri, name: a.local, prefix: a.prefix, value: a.value });
    }
    const el: XmlElement = { ns: t.uri, name: t.local, attrs, children: [] };
    if (stack.length) stack[stack.length - 1]!.children.push(el);
    else root = el;
    stack.push(el);
  };
  parser.onclosetag = () => {
    stack.pop();
  };
  const onText = (value: string) => {
    const parent = stack[stack.length - 1];
    if (!parent) return; // whitespace around the root
    const last = parent.children[parent.children.length - 1];
    if (typeof last === 'string') parent.children[parent.children.length - 1] = last + value;
    else parent.children.push(value);
  };
  parser.ontext = onText;
  parser.oncdata = onText;
  parser.write(text).close();
  if (!root) return fail('no root element');
  return root;
}

/** Child elements of `el` (text and whitespace dropped). */
export function childElements(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string');
}

export function isElement(el: XmlElement | undefined, ns: string, name: string): el is XmlElement {
  return el !== undefined && el.ns === ns && el.name === name;
}

export function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}
