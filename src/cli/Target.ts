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
      Layer.succeed(Target, { emulator: false, description: `iiko Cloud at ${baseUrl}` })
    )
  })
)

/**
 * iiko Cloud when credentials are set, else the emulator in memory.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Provided, Config.ConfigError> = Layer.unwrap(
  Effect.map(anyCredentialSet, (cloud) => cloud ? layerCloud : layerEmulator())
)
