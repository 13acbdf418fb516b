// The profile JSON Schema as a module, so it ships inside dist/ (core/profiles/profile.schema.json is
// the same document for editors and other tools; a unit test keeps the two equal).
import type { JsonSchema } from './schema.js';

export const PROFILE_SCHEMA: JsonSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://introspect.invalid/profile.schema.json",
  "title": "introspect layout profile",
  "description": "One profile file: how a range of kernel (or filesystem) versions lays out the structures plugins read. See docs/profiles.md.",
  "type": "object",
  "required": ["kind", "name", "versions", "arch", "data"],
  "additionalProperties": false,
  "properties": {
    "$schema": { "type": "string" },
    "kind": { "enum": ["linux-kernel", "filesystem"] },
    "name": { "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._+-]*$" },
    "description": { "type": "string", "minLength": 1 },
    "versions": { "type": "string", "minLength": 1, "description": "semver range of the (coerced) releases covered, e.g. \"6.1.0\" or \">=6.1.0 <6.2.0\"" },
    "arch": {
      "type": "string",
      "enum": ["x86_64", "amd64", "x64", "i386", "i486", "i586", "i686", "x86", "686-pae", "aarch64", "arm64", "arm", "armhf", "armel", "riscv64", "ppc64le", "ppc64el", "s390x", "any"]
    },
    "flavour": { "type": "string", "minLength": 1, "description": "build flavour, e.g. amd64, 686-pae, rt-amd64, arm64" },
    "signature": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "banner": { "type": "string", "minLength": 1, "description": "regular expression the image's linux_banner must match" },
        "buildId": { "type": "string", "pattern": "^[0-9a-fA-F]+$" },
        "facts": { "$ref": "#/$defs/scalars", "description": "checked against the image: sizeof(S), offsetof(S.f), S@symbol.field" }
      }
    },
    "data": {
      "type": "object",
      "properties": {
        "structs": { "type": "object", "additionalProperties": { "$ref": "#/$defs/struct" } },
        "symbols": { "$ref": "#/$defs/scalars", "description": "symbol -> address (\"0x...\" strings: kernel addresses exceed 2^53); link-time unless meta.symbolAddresses is \"runtime\"" },
        "constants": { "$ref": "#/$defs/scalars" }
      }
    },
    "meta": { "type": "object", "description": "free-form provenance: generatedBy, package, release, symbolAddresses, banner..." }
  },
  "$defs": {
    "count": { "type": "integer", "minimum": 0 },
    "scalars": { "type": "object", "additionalProperties": { "type": ["number", "string"] } },
    "struct": {
      "type": "object",
      "required": ["size", "fields"],
      "additionalProperties": false,
      "properties": {
        "size": { "$ref": "#/$defs/count" },
        "fields": { "type": "object", "additionalProperties": { "$ref": "#/$defs/field" } }
      }
    },
    "field": {
      "type": "object",
      "required": ["offset"],
      "additionalProperties": false,
      "properties": {
        "offset": { "$ref": "#/$defs/count", "description": "bytes from the start of the struct (bit-fields: the byte holding the first bit)" },
        "size": { "$ref": "#/$defs/count", "description": "sizeof the member's type (bit-fields: the storage unit)" },
        "type": { "type": "string", "minLength": 1, "description": "C spelling: struct list_head *, char[16], pid_t" },
        "bitOffset": { "$ref": "#/$defs/count" },
        "bitSize": { "$ref": "#/$defs/count" }
      }
    }
  }
};
