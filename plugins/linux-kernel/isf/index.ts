// Volatility 3 Intermediate Symbol Format: import into profiles, export from profiles or BTF.
export { readIsf, isfBanner, profileFromIsf, isfFromProfile, profileBanner, IMPORT_EXTRA_SYMBOLS, type ImportIsfOptions, type IsfFromProfileOptions } from './profile-isf.js';
export { isfFromBtf, KNOWN_SYMBOL_TYPES, type IsfFromBtfOptions } from './from-btf.js';
export { descriptorToC, descriptorSize, parseCType, type ParsedCType } from './ctype.js';
export { parseJsonBig, stringifyJsonBig, type JsonValue } from './json.js';
export { ISF_FORMAT, type IsfDocument, type IsfTypeDescriptor, type IsfBaseType, type IsfUserType, type IsfField, type IsfEnum, type IsfSymbol } from './types.js';
