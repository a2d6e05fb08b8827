import { Effect, Layer } from "effect"
import { Iiko, IikoClient, IikoConfig } from "effect-iiko"
import { IikoEmulator } from "effect-iiko/testing"

export const TestIiko = Layer.unwrap(Effect.gen(function*() {
  const emulator = yield* IikoEmulator.IikoEmulator
  return IikoClient.layer({ baseUrl: emulator.baseUrl, credentials: IikoConfig.v2({ appId: "any", clientSecret: "any", apiKey: "any" }) })
})).pipe(Layer.provideMerge(IikoEmulator.layer({ seed: 1 })))

// In a test: the real client, the emulated iiko, no network.
export const organizationCount = Iiko.organizations({}).pipe(
  Effect.map(({ organizations }) => organizations.length),
  Effect.provide(TestIiko)
)
