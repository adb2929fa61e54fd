/**
 * Facts about the Dagger TypeScript module runtime (engine v0.21) that decide whether a module
 * loads at all. Read from the runtime's source (dagger/dagger v0.21.8, sdk/typescript/runtime:
 * tsutils/module/index.ts, tsdistconsts/consts.go, runtime_node.go) and seen on a real engine.
 * npm test cannot load the module the way the runtime does, so these guards stand in for it.
 */

/**
 * What `@dagger.io/dagger` exports inside a module, besides the generated client (`dag` and the
 * API types, see `client.gen.d.ts`): the runtime replaces the npm package with a bundle whose
 * entry re-exports only these. Importing anything else (`ExecError`, ...) fails at load time
 * with "does not provide an export named ...".
 */
export const MODULE_ENTRY_EXPORTS = new Set([
  "connection",
  "connect",
  "Context",
  "func",
  "check",
  "generate",
  "argument",
  "object",
  "field",
  "enumType",
  "entrypoint",
  // type-only re-exports
  "ConnectOpts",
  "CallbackFct",
]);

/**
 * The runtime's default TypeScript. When a module's package.json names exactly this version, the
 * runtime mounts its own copy at node_modules/typescript; with any other dependency present it
 * then runs `npm install --omit=dev`, which fails with EBUSY renaming that mount.
 */
export const RUNTIME_DEFAULT_TYPESCRIPT = "5.9.3";

/** npm bundled with the runtime's node image: a packageManager of another version makes every cold load install npm. */
export const RUNTIME_BUNDLED_NPM = "11.8.0";
