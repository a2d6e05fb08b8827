import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { HttpClientRequest } from "effect/http"
import * as Iiko from "../src/generated/Iiko.ts"
import * as Modelled from "../src/testing/emulator/Modelled.ts"
import * as R from "../src/testing/emulator/Route.ts"
import { json } from "../src/testing/emulator/Wire.ts"
import { IikoEmulator } from "../src/testing/index.ts"

describe("emulator handlers declared against the generated descriptors", () => {
  it("take name, path, method and side effect from the descriptor", () => {
    const route = R.handle(Iiko.terminalGroupsAwake, (context) => json({ ids: context.body.terminalGroupIds }))
    assert.deepStrictEqual(
      { name: route.name, path: route.path, method: route.method, sideEffect: route.sideEffect },
      {
        name: "terminalGroupsAwake",
        path: Iiko.terminalGroupsAwake.endpoint.path,
        method: "POST",
        sideEffect: Iiko.terminalGroupsAwake.endpoint.sideEffect
      }
    )
    // @ts-expect-error the body is the operation's request type: a misspelt field does not compile
    R.handle(Iiko.commandsStatus, (context) => json({ id: context.body.correlationIdd }))
  })

  it("every modelled route answers at a path and method of the catalog", () => {
    const catalog = new Set(
      Iiko.operations.map((operation) => `${operation.method} ${operation.path}`)
    )
    const outside = Modelled.all.filter((route) => !catalog.has(`${route.method} ${route.path}`)).map((route) => route.name)
    assert.deepStrictEqual(outside, [])
  })

  it("every modelled route carries the name, path and side effect of its catalog operation", () => {
    const byName = new Map(Iiko.operations.map((operation) => [operation.name, operation]))
    const mismatched = Modelled.all.filter((route) => {
      const operation = byName.get(route.name)
      return operation === undefined || operation.path !== route.path || operation.method !== route.method ||
        operation.sideEffect !== route.sideEffect
    }).map((route) => route.name)
    assert.deepStrictEqual(mismatched, [])
  })

  it.effect("a handler receives the decoded body; an invalid one is answered 400 before it runs", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const group = (yield* emulator.state).terminalGroups[0]!
      const token = yield* emulator.token()
      const isAlive = (body: unknown) =>
        emulator.client.execute(
          HttpClientRequest.post(`${emulator.baseUrl}/api/1/terminal_groups/is_alive`).pipe(
            HttpClientRequest.bearerToken(token),
            HttpClientRequest.bodyJsonUnsafe(body)
          )
        ).pipe(Effect.flatMap((response) => Effect.map(response.json, (json) => ({ status: response.status, json }))))
      const ok = yield* isAlive({ organizationIds: [group.organizationId], terminalGroupIds: [group.id] })
      assert.strictEqual(ok.status, 200)
      assert.strictEqual((ok.json as { isAliveStatus: Array<{ terminalGroupId: string }> }).isAliveStatus[0]?.terminalGroupId, group.id)
      const bad = yield* isAlive({ organizationIds: [group.organizationId], terminalGroupIds: "not-a-list" })
      assert.strictEqual(bad.status, 400)
      assert.strictEqual((bad.json as { error?: string }).error, "Validation")
    }).pipe(Effect.provide(IikoEmulator.layer({ seed: 1 }))))

  it.effect("iiko's item rules beyond the spec still apply to a decoded create body", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const organizationId = (yield* emulator.state).terminalGroups[0]!.organizationId
      const token = yield* emulator.token()
      const create = (item: unknown) =>
        emulator.client.execute(
          HttpClientRequest.post(`${emulator.baseUrl}/api/1/deliveries/create`).pipe(
            HttpClientRequest.bearerToken(token),
            HttpClientRequest.bodyJsonUnsafe({ organizationId, order: { phone: "+79001234567", items: [item] } })
          )
        ).pipe(Effect.flatMap((response) => Effect.map(response.text, (text) => ({ status: response.status, text }))))
      const zero = yield* create({ type: "Product", productId: "00000000-0000-4000-8000-000000000001", price: 1, amount: 0 })
      assert.strictEqual(zero.status, 400)
      assert.include(zero.text, "Field 'items[0].amount' must be positive.")
    }).pipe(Effect.provide(IikoEmulator.layer({ seed: 1 }))))
})
