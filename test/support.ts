/**
 * Shared fixtures for the core suites: a client wired to the mock HttpClient, canned iiko
 * replies, and capture of logs and spans for the secret-leak checks.
 */
import { Effect, Layer, Logger, References, Schema, Tracer } from "effect"
import { Endpoint, Iiko, IikoClient, IikoConfig } from "../src/index.ts"
import { IikoEmulator, MockHttpClient } from "../src/testing/index.ts"

export const secrets = {
  appId: "app-id-SECRET-1",
  clientSecret: "client-secret-SECRET-2",
  apiKey: "api-key-SECRET-3",
  apiLogin: "api-login-SECRET-4"
} as const

export const ORG = "7bc05553-4b68-44e8-b7bc-37be63c6d9e9"
export const CORRELATION = "3fa85f64-5717-4562-b3fc-2c963f66afa6"

/** A token valid for one hour from `nowSeconds`; `n` makes each issued token distinct. */
export const tokenFor = (n: number, nowSeconds = 0, lifetimeSeconds = 3600) =>
  MockHttpClient.fakeJwt({ exp: nowSeconds + lifetimeSeconds, n, sub: `token-SECRET-${n}` })

export const loginOk = (token: string): MockHttpClient.Reply => ({ body: { correlationId: CORRELATION, token } })

export const organizationsOk: MockHttpClient.Reply = {
  body: { correlationId: CORRELATION, organizations: [{ id: ORG, name: "Pizzeria", responseType: "Simple", somethingNew: 1 }] }
}

export const transportError = (status: number, errorDescription: string, error?: string): MockHttpClient.Reply => ({
  status,
  body: { correlationId: CORRELATION, errorDescription, ...(error === undefined ? {} : { error }) }
})

export const baseOptions: IikoConfig.Options = {
  baseUrl: "http://127.0.0.1:9",
  credentials: IikoConfig.v2(secrets)
}

/** A test-local write operation, so the retry rules are checked apart from the generated catalog. */
export const createThing = IikoClient.operation(Endpoint.make({
  name: "thingCreate",
  path: "/api/1/thing/create",
  request: Schema.Struct({ organizationId: Schema.String }),
  response: Schema.Struct({ correlationId: Schema.String }),
  sideEffect: "create",
  asyncKind: "command"
}))

export const CREATE = "/api/1/thing/create"
export const createBody = { organizationId: ORG }
export const createdOk: MockHttpClient.Reply = { body: { correlationId: CORRELATION } }

/** The real client stack over the mock transport. */
export const clientLayer = (handler: MockHttpClient.Handler, options: Partial<IikoConfig.Options> = {}) =>
  IikoClient.layer({ ...baseOptions, ...options }).pipe(Layer.provideMerge(MockHttpClient.layer(handler)))

export const requestsTo = (path: string) => MockHttpClient.MockHttpClient.use((mock) => mock.requestsTo(path))

/** Collects every log line (all levels) and every span, for leak checks. */
export const makeCapture = () => {
  const lines: Array<string> = []
  const spans: Array<Tracer.Span> = []
  const logger = Logger.make(({ message }) => {
    lines.push(JSON.stringify(message))
  })
  const tracer = Tracer.make({
    span(options) {
      const span = Tracer.nativeTracer.span(options)
      spans.push(span)
      return span
    }
  })
  const provide = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    effect.pipe(
      Effect.provide(Logger.layer([logger])),
      Effect.provideService(References.MinimumLogLevel, "All"),
      Effect.provideService(Tracer.Tracer, tracer)
    )
  const spanText = () =>
    spans.map((span) => `${span.name} ${JSON.stringify(Object.fromEntries(span.attributes))}`).join("\n")
  return { lines, spans, provide, spanText }
}

/** The seeded ids a delivery needs, from the emulator in context: its first organization, a terminal group and a dish. */
export const world = Effect.gen(function*() {
  const emulator = yield* IikoEmulator.IikoEmulator
  const state = yield* emulator.state
  const organization = state.organizations[0]!
  const terminal = state.terminalGroups.find((t) => t.organizationId === organization.id)!
  const { products } = yield* Iiko.nomenclature({ organizationId: organization.id })
  const product = products.find((p) => p.type === "Dish")!
  return { emulator, organizationId: organization.id, terminalGroupId: terminal.id, productId: product.id }
})

/** What {@link world} finds. */
export type World = Effect.Success<typeof world>
