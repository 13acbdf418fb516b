// Volatility 3's Intermediate Symbol Format (volatility3 volatility3/schemas/schema-6.2.0.json).

export type IsfTypeDescriptor =
  | { kind: 'pointer'; subtype: IsfTypeDescriptor; base?: string }
  | { kind: 'base'; name: string }
  | { kind: 'array'; subtype: IsfTypeDescriptor; count: number }
  | { kind: 'struct' | 'union' | 'class'; name: string }
  | { kind: 'enum'; name: string }
  | { kind: 'function' }
  | { kind: 'bitfield'; bit_position: number; bit_length: number; type: IsfTypeDescriptor };

export interface IsfBaseType {
  size: number;
  signed: boolean;
  kind: 'void' | 'int' | 'float' | 'char' | 'bool';
  endian: 'little' | 'big';
}

export interface IsfField {
  type: IsfTypeDescriptor;
  offset: number;
  anonymous?: boolean;
}

export interface IsfUserType {
  kind: 'struct' | 'union' | 'class';
  size: number;
  fields: Record<string, IsfField>;
}

export interface IsfEnum {
  size: number;
  base: string;
  constants: Record<string, number | bigint>;
}

export interface IsfSymbol {
  /** Link-time address (JSON number; may exceed 2^53, hence bigint). */
  address: number | bigint;
  linkage_name?: string;
  type?: IsfTypeDescriptor;
  /** base64 bytes (linux_banner carries the banner: Volatility's banner match). */
  constant_data?: string;
}

export interface IsfDocument {
  metadata: {
    format: string;
    producer: { name: string; version: string; datetime?: string };
    linux?: { symbols?: { kind: string; name?: string; hash_type?: string; hash_value?: string }[]; types?: { kind: string; name?: string }[] };
    [key: string]: unknown;
  };
  base_types: Record<string, IsfBaseType>;
  user_types: Record<string, IsfUserType>;
  enums: Record<string, IsfEnum>;
  symbols: Record<string, IsfSymbol>;
}

export const ISF_FORMAT = '6.2.0';
