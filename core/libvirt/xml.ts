// A small, strict-enough XML reader for libvirt domain definitions (elements, attributes, text,
// comments, CDATA, processing instructions, the five predefined entities and character references).
// Not a general XML parser: no DTDs, no namespaces beyond keeping prefixed names as they are.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlError extends Error {
  constructor(
    readonly offset: number,
    reason: string,
  ) {
    super(`${reason} at character ${offset}`);
    this.name = 'XmlError';
  }
}

const MAX_DEPTH = 256;

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_m, ref: string) => {
    if (ref === 'amp') return '&';
    if (ref === 'lt') return '<';
    if (ref === 'gt') return '>';
    if (ref === 'quot') return '"';
    if (ref === 'apos') return "'";
    const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
  });
}

/** Parse a document and return its root element. */
export function parseXml(text: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const attrRe = /([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/gy;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt);
    if (stack.length > 0) stack[stack.length - 1].text += decodeEntities(chunk);
    else if (chunk.trim() !== '') throw new XmlError(i, 'text outside the root element');
    if (lt < 0) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) throw new XmlError(i, 'unterminated comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end < 0) throw new XmlError(i, 'unterminated CDATA section');
      if (stack.length > 0) stack[stack.length - 1].text += text.slice(i + 9, end);
      i = end + 3;
    } else if (text.startsWith('<?', i) || text.startsWith('<!', i)) {
      const end = text.indexOf('>', i);
      if (end < 0) throw new XmlError(i, 'unterminated declaration');
      i = end + 1;
    } else if (text.startsWith('</', i)) {
      const end = text.indexOf('>', i);
      if (end < 0) throw new XmlError(i, 'unterminated end tag');
      const name = text.slice(i + 2, end).trim();
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlError(i, `end tag </${name}> does not match <${open?.name ?? ''}>`);
      i = end + 1;
    } else {
      const nameMatch = /^<([^\s/>]+)/.exec(text.slice(i, i + 256));
      if (!nameMatch) throw new XmlError(i, 'bad start tag');
      const element: XmlElement = { name: nameMatch[1], attributes: {}, children: [], text: '' };
      let j = i + nameMatch[0].length;
      for (;;) {
        while (j < text.length && /\s/.test(text[j])) j++;
        if (text.startsWith('/>', j) || text[j] === '>') break;
        attrRe.lastIndex = j;
        const m = attrRe.exec(text);
        if (!m) throw new XmlError(j, `bad attribute in <${element.name}>`);
        element.attributes[m[1]] = decodeEntities(m[3] ?? m[4] ?? '');
        j = attrRe.lastIndex;
      }
      if (j >= text.length) throw new XmlError(i, 'unterminated start tag');
      const selfClosing = text.startsWith('/>', j);
      i = j + (selfClosing ? 2 : 1);
      if (stack.length > 0) stack[stack.length - 1].children.push(element);
      else if (root) throw new XmlError(i, 'more than one root element');
      else root = element;
      if (!selfClosing) {
        if (stack.length >= MAX_DEPTH) throw new XmlError(i, 'elements nested too deeply');
        stack.push(element);
      }
    }
  }
  if (stack.length > 0) throw new XmlError(text.length, `<${stack[stack.length - 1].name}> is not closed`);
  if (!root) throw new XmlError(0, 'no root element');
  return root;
}

export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}
