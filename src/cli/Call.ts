/**
 * `effect-iiko call <operation> [json | -]`: runs any operation by name (or path) with a JSON
 * body given inline, read from standard input (`-`), or empty (`{}`). The body is validated
 * against the operation's schema before anything is sent; the answer is printed as JSON,
 * decoded and re-encoded, or exactly as iiko sent it with `--raw`.
 *
 * @since 0.1.0
 */
import { Console, Effect, Option, Schema, Stdio, Stream } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import type { Endpoint } from "../Endpoint.ts"
import * as Iiko from "../Iiko.ts"
import * as IikoClient from "../IikoClient.ts"
import * as Suggest from "../internal/suggest.ts"
import * as CliFailure from "./CliFailure.ts"

/**
 * Every operation's descriptor, by name.
 *
 * @since 0.1.0
 * @category catalog
 */
export const endpoints: ReadonlyMap<string, Endpoint> = new Map(
  Object.values(Iiko).flatMap((value) =>
    typeof value === "function" && "endpoint" in value ? [[value.endpoint.name, value.endpoint as Endpoint]] : []
  )
)

/**
 * The operation names closest to what was typed (see `internal/suggest`).
 *
 * @since 0.1.0
 * @category catalog
 */
export const suggest = Suggest.closest

/**
 * Finds an operation by name or path, or fails with the closest names.
 *
 * @since 0.1.0
 * @category catalog
 */
export const resolve = (name: string): Effect.Effect<Endpoint, CliFailure.CliFailure> => {
  const found = endpoints.get(name) ?? [...endpoints.values()].find((endpoint) => endpoint.path === name)
  if (found !== undefined) return Effect.succeed(found)
  return Effect.fail(CliFailure.usage(
    `unknown operation '${name}'` + Suggest.didYouMean(name, endpoints.keys()) + " (effect-iiko call --list shows them all)"
  ))
}

const readStdin = Effect.gen(function*() {
  const stdio = yield* Stdio.Stdio
  const decoder = new TextDecoder()
  return yield* stdio.stdin.pipe(
    Stream.runFold(() => "", (text, chunk: Uint8Array) => text + decoder.decode(chunk, { stream: true })),
    Effect.mapError((error) => CliFailure.failed(`cannot read standard input: ${error.message}`))
  )
})

const parseBody = (text: string): Effect.Effect<unknown, CliFailure.CliFailure> =>
  Effect.try({
    try: (): unknown => (text.trim() === "" ? {} : JSON.parse(text)),
    catch: (error) => CliFailure.usage(`the body is not JSON: ${error instanceof Error ? error.message : String(error)}`)
  })

/**
 * Runs one operation with a JSON body and returns the JSON to print. A body the schema rejects
 * fails with a usage error and nothing is sent.
 *
 * @since 0.1.0
 * @category running
 */
export const call = (endpoint: Endpoint, body: unknown, options: { readonly raw: boolean }) =>
  Effect.gen(function*() {
    const client = yield* IikoClient.IikoClient
    const encodedBody = yield* Schema.decodeUnknownEffect(endpoint.request)(body, { onExcessProperty: "error" }).pipe(
      Effect.mapError((error) => CliFailure.usage(`the body does not match ${endpoint.name}'s request schema:\n${error.message}`))
    )
    if (options.raw) return yield* client.executeRaw(endpoint, encodedBody)
    const decoded = yield* client.execute(endpoint, encodedBody)
    return yield* Schema.encodeUnknownEffect(endpoint.response)(decoded).pipe(Effect.orDie)
  })

/**
 * The `call` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "call",
  {
    operation: Argument.String("operation").pipe(
      Argument.withDescription("Operation name (organizations, deliveriesByRevision, …; --list shows them all) or its path"),
      Argument.optional
    ),
    body: Argument.String("json").pipe(
      Argument.withDescription("The request body as JSON, or - to read it from standard input; {} when omitted"),
      Argument.optional
    ),
    raw: Flag.Boolean("raw").pipe(
      Flag.withDescription("Print the response body exactly as iiko sent it, without decoding"),
      Flag.withDefault(false)
    ),
    list: Flag.Boolean("list").pipe(
      Flag.withDescription("List every operation: name, HTTP method and path, one per line"),
      Flag.withDefault(false)
    )
  },
  ({ body, list, operation, raw }) =>
    Effect.gen(function*() {
      if (list) {
        return yield* Effect.forEach(endpoints.values(), (endpoint) =>
          Console.log(`${endpoint.name}\t${endpoint.method} ${endpoint.path}`), { discard: true })
      }
      if (Option.isNone(operation)) {
        return yield* CliFailure.usage("name an operation (effect-iiko call --list shows them all)")
      }
      const endpoint = yield* resolve(operation.value)
      const text = Option.isNone(body) ? "" : body.value === "-" ? yield* readStdin : body.value
      const json = yield* parseBody(text)
      const result = yield* call(endpoint, json, { raw })
      yield* Console.log(JSON.stringify(result, null, 2))
    })
).pipe(
  Command.withDescription(
    "Call any operation by name with a JSON body (validated locally before sending) and print the JSON answer"
  ),
  Command.withExamples([
    { command: "effect-iiko call organizations '{\"returnAdditionalInfo\":true}'", description: "List organizations" },
    { command: "echo '{\"organizationIds\":[\"…\"]}' | effect-iiko call terminalGroups -", description: "Body from stdin" }
  ])
)
