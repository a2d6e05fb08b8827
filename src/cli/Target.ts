/**
 * Which iiko the command line talks to: iiko Cloud when any `IIKO_*` credential variable is set
 * (read through effect's `Config`, never from argv), otherwise the emulator in memory, so every
 * command works on a fresh machine with nothing configured.
 *
 * @since 0.1.0
 */
import { Config, Context, Effect, Layer, Option } from "effect"
import { FetchHttpClient } from "effect/http"
import type * as IikoAuth from "../IikoAuth.ts"
import * as IikoClient from "../IikoClient.ts"
import * as IikoConfig from "../IikoConfig.ts"
import * as IikoEmulator from "../testing/IikoEmulator.ts"
import * as CliFailure from "./CliFailure.ts"

/**
 * What the commands are connected to, for messages.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `true` when no credentials are set and the in-memory emulator answers. */
  readonly emulator: boolean
  /** One line for humans: "iiko Cloud at https://…" or "the embedded emulator …". */
  readonly description: string
}

/**
 * @since 0.1.0
 * @category services
 */
export class Target extends Context.Service<Target, Service>()("effect-iiko/cli/Target") {}

/**
 * What a target provides: the client with its auth and configuration, and the description.
 *
 * @since 0.1.0
 * @category models
 */
export type Provided = IikoClient.IikoClient | IikoAuth.IikoAuth | IikoConfig.IikoConfig | Target

/** The variables whose presence selects iiko Cloud. */
export const CREDENTIAL_VARIABLES = ["IIKO_APP_ID", "IIKO_CLIENT_SECRET", "IIKO_API_KEY", "IIKO_API_LOGIN"] as const

const anyCredentialSet: Effect.Effect<boolean> = Effect.map(
  Effect.orElseSucceed(
    Config.all(CREDENTIAL_VARIABLES.map((name) => Config.option(Config.String(name)))),
    () => []
  ),
  (values) => values.some((value) => Option.isSome(value) && value.value !== "")
)

/**
 * The emulator in memory with demo credentials: what the commands use when no `IIKO_*`
 * credentials are set.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerEmulator = (
  options: IikoEmulator.Options = { seed: 1 }
): Layer.Layer<Provided | IikoEmulator.IikoEmulator> =>
  Layer.unwrap(Effect.gen(function*() {
    const emulator = yield* IikoEmulator.IikoEmulator
    return Layer.mergeAll(
      IikoClient.layer({
        baseUrl: emulator.baseUrl,
        credentials: IikoConfig.v2({ appId: "demo-app", clientSecret: "demo-secret", apiKey: "demo-key" })
      }),
      Layer.succeed(Target, {
        emulator: true,
        description: "the embedded emulator (no IIKO_* credentials set)"
      })
    )
  })).pipe(Layer.provideMerge(IikoEmulator.layer(options)))

/**
 * Names what a base URL points at: iiko Cloud, or (on loopback) a local server such as the emulator.
 *
 * @since 0.1.0
 * @category models
 */
export const describeBaseUrl = (baseUrl: string): string => {
  const host = URL.canParse(baseUrl) ? new URL(baseUrl).hostname : ""
  const loopback = host === "localhost" || host === "[::1]" || host.startsWith("127.")
  return loopback ? `a local iiko API at ${baseUrl} (loopback, not iiko Cloud)` : `iiko Cloud at ${baseUrl}`
}

/**
 * iiko Cloud from the `IIKO_*` variables (see `IikoConfig.layerConfig`), over `fetch`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerCloud: Layer.Layer<Provided, Config.ConfigError> = Layer.unwrap(
  Effect.gen(function*() {
    const baseUrl = yield* Config.String("IIKO_BASE_URL").pipe(Config.withDefault(IikoConfig.RU_BASE_URL))
    return Layer.merge(
      IikoClient.layerConfig().pipe(Layer.provide(FetchHttpClient.layer)),
      Layer.succeed(Target, { emulator: false, description: describeBaseUrl(baseUrl) })
    )
  })
)

/**
 * iiko Cloud when credentials are set, else the emulator in memory. `IIKO_BASE_URL` without
 * credentials is a usage error rather than ignored: whoever sets it means that server, and
 * answering from the emulator instead would pass fake data off as theirs (a `sync` would write
 * it into their database).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Provided, Config.ConfigError | CliFailure.CliFailure> = Layer.unwrap(
  Effect.gen(function*() {
    if (yield* anyCredentialSet) return layerCloud
    const baseUrl = yield* Effect.orElseSucceed(Config.option(Config.String("IIKO_BASE_URL")), () => Option.none())
    if (Option.isSome(baseUrl) && baseUrl.value !== "") {
      return yield* CliFailure.usage(
        `IIKO_BASE_URL is set (${baseUrl.value}) but no IIKO_* credentials are\n` +
          "  remedy: set IIKO_API_LOGIN (v1) or IIKO_APP_ID, IIKO_CLIENT_SECRET and IIKO_API_KEY (v2) for that server, " +
          "or unset IIKO_BASE_URL to use the embedded emulator"
      )
    }
    return layerEmulator()
  })
)
