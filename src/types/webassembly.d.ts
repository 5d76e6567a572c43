/**
 * The part of the WebAssembly JavaScript API that facemetric uses. TypeScript only ships these
 * types in lib.dom, which a Node library should not pull in; Node >= 20 provides the globals.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
    static exports(module: Module): { name: string; kind: string }[];
  }
  class Instance {
    constructor(module: Module, importObject?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
}
