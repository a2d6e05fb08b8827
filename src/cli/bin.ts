#!/usr/bin/env node
/**
 * The `effect-iiko` executable: runs the command line with Node's services and exits with its
 * code. Ctrl-C interrupts the running command, which stops cleanly.
 *
 * `@effect/platform-node` is an optional peer of the library but the executable needs it: when
 * it is not installed, the executable says so in one line and exits 1 instead of a stack trace.
 * Everything is loaded dynamically so that this check runs before anything imports it.
 *
 * @since 0.1.0
 */
const PLATFORM = "@effect/platform-node"

const isMissing = (error: unknown, specifier: string) =>
  error instanceof Error && (error as { code?: unknown }).code === "ERR_MODULE_NOT_FOUND" &&
  error.message.includes(`'${specifier}'`)

const platform = await import("@effect/platform-node").catch((error: unknown) => {
  if (!isMissing(error, PLATFORM)) throw error
  process.stderr.write(
    `effect-iiko: the command line needs ${PLATFORM}, which is not installed; run: npm install ${PLATFORM}\n`
  )
  return process.exit(1)
})

const [{ Effect, Exit, Runtime, Stdio }, Cli] = await Promise.all([import("effect"), import("./Cli.ts")])

const program = Stdio.Stdio.use((stdio) => Effect.flatMap(stdio.args, Cli.main)).pipe(
  Effect.provide(platform.NodeServices.layer)
)

platform.NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) =>
    Exit.isSuccess(exit) && typeof exit.value === "number" ? onExit(exit.value) : Runtime.defaultTeardown(exit, onExit)
})
