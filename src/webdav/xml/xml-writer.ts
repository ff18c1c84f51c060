// Compact XML output: short, fixed prefixes for the namespaces clients use (D, Z, oc) declared once
// on the root, escaping that also drops characters XML 1.0 cannot carry, and serialisation of
// client-supplied XML fragments (dead property values, lock owners) with their namespaces intact.
import type { XmlElement, XmlNode } from './xml-reader.js';

export const DAV_NS = 'DAV:';
export const MS_NS = 'urn:schemas-microsoft-com:';
export const OC_NS = 'http://owncloud.org/ns';

/** Namespaces with a fixed prefix, declared on every multistatus root. */
export const FIXED_PREFIXES: ReadonlyMap<string, string> = new Map([
  [DAV_NS, 'D'],
  [MS_NS, 'Z'],
  [OC_NS, 'oc'],
]);

export const XML_DECL = '<?xml version="1.0" encoding="utf-8"?>\n';

export function rootNamespaces(): string {
  return [...FIXED_PREFIXES].map(([ns, p]) => ` xmlns:${p}="${escapeAttr(ns)}"`).join('');
}

// XML 1.0 Char production: everything else (C0 controls, lone surrogates, U+FFFE/U+FFFF) is replaced.
const INVALID_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeText(s: string): string {
  return s.replace(INVALID_XML_CHARS, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/** An element name with its namespace: fixed prefix, no prefix for no namespace, or a local declaration. */
export function qualified(ns: string, name: string): { open: string; close: string } {
  const fixed = FIXED_PREFIXES.get(ns);
  if (fixed) return { open: `${fixed}:${name}`, close: `${fixed}:${name}` };
  if (ns === '') return { open: name, close: name };
  return { open: `x:${name} xmlns:x="${escapeAttr(ns)}"`, close: `x:${name}` };
}

/** `<ns:name>inner</ns:name>`, or the empty-element form when inner is ''. */
export function element(ns: string, name: string, inner = ''): string {
  const q = qualified(ns, name);
  return inner === '' ? `<${q.open}/>` : `<${q.open}>${inner}</${q.close}>`;
}

/**
 * Serialises parsed nodes back to XML, declaring each element's namespace as the default namespace
 * wherever it changes, so the fragment reads the same wherever it is embedded (under a prefixed parent).
 */
export function serializeNodes(nodes: readonly XmlNode[], defaultNs = ''): string {
  return nodes.map((n) => (typeof n === 'string' ? escapeText(n) : serializeElement(n, defaultNs))).join('');
}

function serializeElement(el: XmlElement, defaultNs: string): string {
  // DAV: elements keep the D prefix, declared wherever such fragments are embedded; naive client
  // parsers (Office's among them) look for "D:href" rather than resolving default namespaces.
  const dav = el.ns === DAV_NS;
  const name = dav ? `D:${el.name}` : el.name;
  let decl = !dav && el.ns !== defaultNs ? ` xmlns="${escapeAttr(el.ns)}"` : '';
  let attrs = '';
  el.attrs.forEach((a, i) => {
    if (a.ns === '') attrs += ` ${a.name}="${escapeAttr(a.value)}"`;
    else if (a.prefix === 'xml') attrs += ` xml:${a.name}="${escapeAttr(a.value)}"`;
    else {
      decl += ` xmlns:a${i}="${escapeAttr(a.ns)}"`;
      attrs += ` a${i}:${a.name}="${escapeAttr(a.value)}"`;
    }
  });
  const inner = serializeNodes(el.children, dav ? defaultNs : el.ns);
  return inner === '' ? `<${name}${decl}${attrs}/>` : `<${name}${decl}${attrs}>${inner}</${name}>`;
}
