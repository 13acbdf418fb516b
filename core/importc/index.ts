/**
 * import-c: C struct/union definitions -> bit-syntax patterns with the offsets a C compiler gives
 * them on the target (issue #3, after ocaml-bitstring's bitmatch-import-c). See docs/import-c.md.
 */
import { IntrospectError } from '../errors.js';
import { CSyntaxError, evalExpr, type Cursor } from './cexpr.js';
import { LayoutError, recordName, sizeOf, type CType, type RecordDef } from './ctypes.js';
import { patternLines, type EmitNames } from './emit.js';
import { DeclarationParser, recordLabel } from './parse.js';
import { PreprocessError, Preprocessor, type ImportWarning } from './preprocess.js';
import { TARGET_NAMES, TARGETS, type TargetName } from './targets.js';

export { TARGET_NAMES, type TargetName } from './targets.js';
export type { ImportWarning } from './preprocess.js';

export interface ImportCOptions {
  /** Records to import, by tag or typedef name (default: every record defined in the header). Records they contain are imported too. */
  structs?: readonly string[];
  target?: TargetName;
  /** Name of the header in messages and in the module's comment. */
  fileName?: string;
  /**
   * Folders searched for #include <...> and "..." (like gcc -I); "..." is looked for in `headerDir`
   * first. Without it, #include is not followed (the fixed-width and kernel types are built in).
   */
  includeDirs?: readonly string[];
  /** Folder of the header (for #include "..."). */
  headerDir?: string;
  /** Extra macros, like gcc's -D: `{ __KERNEL__: '1' }`. */
  defines?: Readonly<Record<string, string>>;
  /** Module specifier the generated TS module imports definePattern from (default 'introspect'). */
  importFrom?: string;
  /** A line for the module's header comment, e.g. the command that made it. */
  generatedBy?: string;
}

export interface ImportedField {
  /** Member designator as offsetof takes it: `s_uuid`, `osd1.linux1.l_i_version` (anonymous members are transparent). */
  path: string;
  /** Byte offset (for bit-fields: of the byte holding the first bit). */
  offset: number;
  /** Size in bytes (0 for flexible array members; bit-fields: the declared type's size). */
  size: number;
  /** For bit-fields: offset in bits from the record start (LSB-first within little-endian storage) and width. */
  bitOffset?: number;
  bitWidth?: number;
  /** The C type as written. */
  type: string;
}

export interface ImportedRecord {
  /** Pattern and export name: the tag, else the typedef name. */
  name: string;
  kind: 'struct' | 'union';
  /** How C names the type: `struct foo`, or the typedef name of a tagless record. */
  cType: string;
  size: number;
  align: number;
  line: number;
  /** The #include'd file it is defined in (absent: the header itself). */
  file?: string;
  fields: ImportedField[];
  /** Bit-syntax pattern text: every member at its offset, padding as `_ : N`. */
  pattern: string;
  /** Named records this pattern splices with `{ :name }` (emitted before it). */
  dependencies: string[];
}

export interface ImportCResult {
  target: TargetName;
  records: ImportedRecord[];
  /** Records not imported (not understood, or built from one that was not), with the reason. */
  skipped: { name: string; line: number; reason: string }[];
  warnings: ImportWarning[];
  enums: Record<string, Record<string, number>>;
  /** Object-like macros whose expansion is an integer constant expression. */
  defines: Record<string, number | bigint>;
  /** A TypeScript module exporting one definePattern(...) per record; result types inferred from the text. */
  module: string;
}

const TS_RESERVED = new Set('break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await abstract any as async boolean constructor declare get infer is keyof module namespace never readonly require number object set string symbol type undefined unique unknown from global bigint of'.split(' '));

function exportName(name: string): string {
  return TS_RESERVED.has(name) ? `${name}_` : name;
}

function fail(file: string, structure: string, reason: string): never {
  throw new IntrospectError({ file, structure, reason });
}

/** Records a record uses by value (members, arrays of records), named ones only, looking through inline ones. */
function namedDependencies(rec: RecordDef, out: Set<RecordDef>): void {
  for (const m of rec.members) {
    let t: CType = m.type;
    while (t.k === 'array') t = t.of;
    if (t.k !== 'record') continue;
    if (recordName(t.rec) && m.name) out.add(t.rec);
    else namedDependencies(t.rec, out);
  }
}

function fieldsOf(rec: RecordDef, prefix: string, base: number, out: ImportedField[]): void {
  for (const p of rec.layout!.members) {
    const m = p.member;
    const bit = base + p.bitOffset;
    if (!m.name) {
      if (m.bitWidth === undefined && m.type.k === 'record') fieldsOf(m.type.rec, prefix, bit, out);
      continue;
    }
    const path = prefix + m.name;
    if (m.bitWidth !== undefined) {
      out.push({ path, offset: Math.floor(bit / 8), size: sizeOf(m.type, m.line), bitOffset: bit, bitWidth: m.bitWidth, type: m.type.spelling });
      continue;
    }
    out.push({ path, offset: bit / 8, size: sizeOf(m.type, m.line), type: m.type.spelling });
    if (m.type.k === 'record') fieldsOf(m.type.rec, `${path}.`, bit, out);
  }
}

/** Reads C struct/union definitions and returns their layouts, bit-syntax patterns and a TS module. */
export function importC(headerText: string, options: ImportCOptions = {}): ImportCResult {
  const file = options.fileName ?? '<header>';
  const targetName = options.target ?? 'x86_64';
  if (!TARGET_NAMES.includes(targetName)) fail(file, 'import-c target', `unknown target ${targetName} (known: ${TARGET_NAMES.join(', ')})`);
  const target = TARGETS[targetName];
  const warnings: ImportWarning[] = [];
  const warn = (w: ImportWarning): void => {
    warnings.push(w);
  };

  const pp = new Preprocessor({ predefined: { ...target.predefined, ...(options.defines ?? {}) }, warn, includeDirs: options.includeDirs, mainDir: options.headerDir });
  let decls;
  let parser: DeclarationParser;
  try {
    const toks = pp.run(headerText);
    parser = new DeclarationParser(toks, target, warn);
    decls = parser.parse();
  } catch (e) {
    if (e instanceof PreprocessError && e.file) fail(file, `${e.file} line ${e.line}`, e.message);
    if (e instanceof PreprocessError || e instanceof CSyntaxError || e instanceof LayoutError) fail(file, `line ${e.line}`, e.message);
    throw e;
  }

  const byName = new Map<string, RecordDef>();
  for (const rec of decls.records) {
    if (rec.tag && !byName.has(rec.tag)) byName.set(rec.tag, rec);
  }
  for (const [name, t] of decls.typedefs) {
    if (t.k === 'record' && t.rec.complete && !byName.has(name)) byName.set(name, t.rec);
  }

  const skipped: ImportCResult['skipped'] = [];
  let roots: RecordDef[];
  if (options.structs?.length) {
    roots = options.structs.map((n) => {
      const rec = byName.get(n.replace(/^(struct|union)\s+/, ''));
      if (!rec) fail(file, `struct ${n}`, `not defined in the header${byName.size ? ` (defined: ${[...new Set([...byName.values()].map((r) => recordName(r)!))].slice(0, 20).join(', ')}${byName.size > 20 ? ', ...' : ''})` : ''}`);
      if (rec.error) fail(file, `${recordLabel(rec)} at ${rec.file ? `${rec.file} ` : ''}line ${rec.error.line}`, rec.error.message);
      return rec;
    });
  } else {
    roots = [];
    for (const rec of decls.records) {
      const name = recordName(rec);
      // records of #include'd files come only when asked for or used
      if (!name || rec.file) continue;
      if (rec.error) {
        skipped.push({ name, line: rec.error.line, reason: rec.error.message });
        warn({ line: rec.error.line, message: `${recordLabel(rec)} skipped: ${rec.error.message}` });
      } else roots.push(rec);
    }
  }

  // named records used by value come first; each once
  const ordered: RecordDef[] = [];
  const seen = new Set<RecordDef>();
  const visit = (rec: RecordDef): void => {
    if (seen.has(rec)) return;
    seen.add(rec);
    const deps = new Set<RecordDef>();
    namedDependencies(rec, deps);
    for (const d of deps) visit(d);
    ordered.push(rec);
  };
  roots.forEach(visit);

  const names = new Map<RecordDef, string>();
  const used = new Set<string>();
  for (const rec of ordered) {
    let n = exportName(recordName(rec)!);
    while (used.has(n)) n += '_';
    used.add(n);
    names.set(rec, n);
  }
  const emitNames: EmitNames = { nameOf: (rec) => names.get(rec) };

  const records: ImportedRecord[] = ordered.map((rec) => {
    const deps = new Set<RecordDef>();
    namedDependencies(rec, deps);
    const fields: ImportedField[] = [];
    fieldsOf(rec, '', 0, fields);
    return {
      name: names.get(rec)!,
      kind: rec.kind,
      cType: rec.tag ? `${rec.kind} ${rec.tag}` : rec.typedefName!,
      size: rec.layout!.size,
      align: rec.layout!.align,
      line: rec.line,
      ...(rec.file ? { file: rec.file } : {}),
      fields,
      pattern: `\n${patternLines(rec, emitNames).join('\n')}\n`,
      dependencies: [...deps].map((d) => names.get(d)!),
    };
  });

  const enums: ImportCResult['enums'] = {};
  decls.enums.forEach((en, i) => {
    const values: Record<string, number> = {};
    for (const [k, v] of en.values) values[k] = Number(v);
    enums[en.tag ?? `enum_${i}`] = values;
  });

  const defines: ImportCResult['defines'] = {};
  for (const m of pp.macros.values()) {
    if (m.params || m.line === 0 || m.body.length === 0) continue;
    try {
      const toks = pp.expand(m.body);
      const c: Cursor = { toks, i: 0, endLine: m.line };
      const v = evalExpr(c, { ident: (n) => decls.enumConstants.get(n) });
      if (c.i === toks.length) defines[m.name] = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    } catch {
      // not an integer constant: strings, expressions over members, function-like uses
    }
  }

  return { target: targetName, records, skipped, warnings, enums, defines, module: renderModule(records, file, targetName, options) };
}

function renderModule(records: ImportedRecord[], file: string, target: TargetName, options: ImportCOptions): string {
  const from = options.importFrom ?? 'introspect';
  const out: string[] = [];
  out.push(`// Generated by introspect import-c from ${file} for ${target} (little-endian); do not edit.`);
  if (options.generatedBy) out.push(`// ${options.generatedBy}`);
  out.push(`// Offsets are the C compiler's; '_ : N' fields are padding, 'offset(N)' marks overlapping members.`);
  out.push(`import { definePattern } from '${from}';`, '');
  for (const r of records) {
    out.push(`/** ${r.kind} ${r.name} (${r.file ?? file}:${r.line}): ${r.size} bytes, aligned to ${r.align}. */`);
    const env = r.dependencies.length ? `, { ${r.dependencies.join(', ')} }` : '';
    out.push(`export const ${r.name} = definePattern('${r.name}', \`${r.pattern}\`${env});`, '');
  }
  return out.join('\n');
}
