/**
 * The `effect-iiko` command line, built on effect's own `effect/cli`: the command tree and
 * {@link main}, which runs it on an argument list and returns the exit code (see `CliFailure`
 * for the codes). The `bin` entry (`bin.ts`) provides Node's services; tests run {@link main}
 * in process.
 *
 * Credentials come only from the `IIKO_*` variables (through effect's `Config`); with none set,
 * every command runs against the emulator in memory.
 *
 * @since 0.1.0
 */
import { Cause, Config, Console, Effect } from "effect"
import { CliError, Command } from "effect/cli"
import { createRequire } from "node:module"
import * as Call from "./Call.ts"
import * as Check from "./Check.ts"
import { CliFailure } from "./CliFailure.ts"
import * as Emulator from "./Emulator.ts"
import * as Menu from "./Menu.ts"
import * as Sync from "./Sync.ts"
import * as Target from "./Target.ts"
import * as Webhooks from "./Webhooks.ts"

/**
 * The package version the command line reports, read from the package's own `package.json` (the
 * one source of truth; `../../package.json` from both `src/cli` and `dist/cli`).
 *
 * @since 0.1.0
 */
export const VERSION: string = (createRequire(import.meta.url)("../../package.json") as { readonly version: string }).version


/**
 * The root command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("effect-iiko").pipe(
  Command.withDescription(
    "The iiko Cloud API from the command line: check credentials, call operations, export menus, " +
      "sync a chain into PostgreSQL, receive webhooks, serve the emulator. Credentials come from IIKO_* variables; without them the embedded emulator answers."
  ),
  // The commands that talk to iiko get their client from Target.layer: iiko Cloud or the emulator.
  Command.withSubcommands([
    Command.provide(Check.command, () => Target.layer),
    Command.provide(Call.command, () => Target.layer),
    Command.provide(Menu.command, () => Target.layer),
    Command.provide(Sync.command, () => Target.layer),
    Emulator.command,
    Webhooks.command
  ])
)

const exitCodeOf = (cause: Cause.Cause<unknown>) =>
  Effect.gen(function*() {
    if (Cause.hasInterruptsOnly(cause)) return 130
    const error = Cause.squash(cause)
    if (error instanceof CliFailure) {
      yield* Console.error(`error: ${error.message}`)
      return error.exitCode
    }
    if (CliError.isCliError(error)) return 2 // already shown with the help text
    if (error instanceof Config.ConfigError) {
      const message = error.cause instanceof Error ? error.cause.message : error.message
      yield* Console.error(`error: ${message}`)
      yield* Console.error(
        "  remedy: set the missing IIKO_* variables (README, Configuration), or unset every IIKO_* variable to use the embedded emulator"
      )
      return 2
    }
    if (error !== null && typeof error === "object" && "_tag" in error) {
      const message = error instanceof Error ? error.message : String(error)
      yield* Console.error(`error: ${message}`)
      return error._tag === "IikoError" && "reason" in error && (error.reason as { _tag: string })._tag === "InvalidRequest"
        ? 2
        : 1
    }
    yield* Console.error(`error: ${Cause.pretty(cause)}`)
    return 1
  })

/**
 * Runs the command line on `args` (without the program name) and returns the exit code. Help,
 * usage errors and failures are written through `Console`.
 *
 * @since 0.1.0
 * @category running
 */
export const main = (args: ReadonlyArray<string>) =>
  Command.runWith(command, { version: VERSION })(args).pipe(
    Effect.as(0),
    Effect.catchCause(exitCodeOf)
  )

