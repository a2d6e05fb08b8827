import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Redacted } from "effect"
import { Iiko, IikoClient, IikoConfig } from "../src/index.ts"
import { MockHttpClient } from "../src/testing/index.ts"
import { loginOk, organizationsOk, tokenFor } from "./support.ts"

const load = (env: Record<string, string>) =>
  Effect.gen(function*() {
    return yield* IikoConfig.IikoConfig
  }).pipe(
    Effect.provide(IikoConfig.layerConfig()),
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
  )

const loadError = (env: Record<string, string>) => Effect.flip(load(env)).pipe(Effect.map((error) => error.message))

describe("IikoConfig", () => {
  it.effect("reads v2 credentials, base URL and timeout from IIKO_* variables", () =>
    Effect.gen(function*() {
      const config = yield* load({
        IIKO_APP_ID: "app",
        IIKO_CLIENT_SECRET: "secret",
        IIKO_API_KEY: "key",
        IIKO_BASE_URL: "https://api-eu.iiko.services/",
        IIKO_TIMEOUT_SECONDS: "30"
      })
      assert.strictEqual(config.credentials._tag, "V2")
      if (config.credentials._tag === "V2") {
        assert.strictEqual(Redacted.value(config.credentials.clientSecret), "secret")
        assert.strictEqual(String(config.credentials.clientSecret), "<redacted>")
      }
      assert.strictEqual(config.baseUrl, IikoConfig.EU_BASE_URL)
      assert.isTrue(Duration.equals(config.timeout, Duration.seconds(30)))
    }))

  it.effect("defaults: RU base URL, Timeout 15 s, 3 retries", () =>
    Effect.gen(function*() {
      const config = yield* load({ IIKO_API_LOGIN: "login" })
      assert.strictEqual(config.credentials._tag, "V1")
      assert.strictEqual(config.baseUrl, IikoConfig.RU_BASE_URL)
      assert.isTrue(Duration.equals(config.timeout, Duration.seconds(15)))
      assert.strictEqual(config.maxRetries, 3)
    }))

  it.effect("IIKO_MAX_RETRIES sets the retries; a malformed one is a config error naming it", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* load({ IIKO_API_LOGIN: "login", IIKO_MAX_RETRIES: "0" })).maxRetries, 0)
      assert.strictEqual((yield* load({ IIKO_API_LOGIN: "login", IIKO_MAX_RETRIES: "7" })).maxRetries, 7)
      assert.include(yield* loadError({ IIKO_API_LOGIN: "login", IIKO_MAX_RETRIES: "many" }), "IIKO_MAX_RETRIES")
    }))

  it.effect("a base URL without a scheme, or not http(s), is a ConfigError naming IIKO_BASE_URL", () =>
    Effect.gen(function*() {
      for (const url of ["api-ru.iiko.services", "localhost:8080", "ftp://iiko.example", "https://x.example/?a=1"]) {
        const message = yield* loadError({ IIKO_API_LOGIN: "login", IIKO_BASE_URL: url })
        assert.include(message, "IIKO_BASE_URL", url)
      }
    }))

  it("an invalid base URL in code is rejected when the options are read", () => {
    assert.throws(() => IikoConfig.make({ credentials: IikoConfig.v1("x"), baseUrl: "api-eu.iiko.services" }), /baseUrl/)
    assert.strictEqual(IikoConfig.make({ credentials: IikoConfig.v1("x"), baseUrl: "http://127.0.0.1:8787/" }).baseUrl, "http://127.0.0.1:8787")
  })

  it.effect("missing credentials name the variables to set", () =>
    Effect.gen(function*() {
      const message = yield* loadError({})
      for (const name of ["IIKO_APP_ID", "IIKO_CLIENT_SECRET", "IIKO_API_KEY", "IIKO_API_LOGIN"]) {
        assert.include(message, name)
      }
    }))

  it.effect("incomplete v2 credentials name the missing variables", () =>
    Effect.gen(function*() {
      const message = yield* loadError({ IIKO_APP_ID: "app" })
      assert.include(message, "IIKO_CLIENT_SECRET")
      assert.include(message, "IIKO_API_KEY")
      assert.notInclude(message, "app\"")
    }))

  it.effect("v1 and v2 together are contradictory", () =>
    Effect.gen(function*() {
      const message = yield* loadError({ IIKO_API_LOGIN: "login", IIKO_API_KEY: "key" })
      assert.include(message, "Contradictory")
      assert.include(message, "IIKO_API_LOGIN")
    }))

  it.effect("a malformed timeout is a config error naming the variable", () =>
    Effect.gen(function*() {
      const message = yield* loadError({ IIKO_API_LOGIN: "login", IIKO_TIMEOUT_SECONDS: "soon" })
      assert.include(message, "IIKO_TIMEOUT_SECONDS")
    }))


  it.effect("IikoClient.layerConfig builds the whole client from the environment", () =>
    Effect.gen(function*() {
      const { organizations } = yield* Iiko.organizations({})
      assert.strictEqual(organizations.length, 1)
      const [login] = yield* MockHttpClient.MockHttpClient.use((mock) => mock.requestsTo("/api/1/access_token"))
      assert.deepStrictEqual(login?.body, { apiLogin: "from-env" })
      assert.strictEqual(login?.url, "http://127.0.0.1:9/api/1/access_token")
      const [call] = yield* MockHttpClient.MockHttpClient.use((mock) => mock.requestsTo("/api/1/organizations"))
      assert.strictEqual(call?.headers["timeout"], "42")
    }).pipe(
      Effect.provide(IikoClient.layerConfig().pipe(Layer.provideMerge(MockHttpClient.layer(MockHttpClient.script({
        "/api/1/access_token": loginOk(tokenFor(1)),
        "/api/1/organizations": organizationsOk
      }))))),
      Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({
        env: { IIKO_API_LOGIN: "from-env", IIKO_BASE_URL: "http://127.0.0.1:9", IIKO_TIMEOUT_SECONDS: "42" }
      })))
    ))
})
