/**
 * `@up()`: marks a function whose Service `dagger up` starts and tunnels to the host. The v0.21
 * TypeScript runtime replaces `@dagger.io/dagger` with a bundle whose entry does not export `up`
 * (it exports func, check, generate ...; sdk/typescript/runtime/tsutils/module/index.ts), so
 * importing it fails when the module loads. The runtime's introspector recognises the decorator
 * by its name, so this no-op of the same name stands in for it.
 */
export function up(): MethodDecorator {
  return () => undefined;
}
