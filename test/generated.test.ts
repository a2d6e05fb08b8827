/**
 * Hand-written fixtures for the shapes the spec gets wrong or leaves open (external menu
 * versions, polymorphic items and payments, command states, webhook batches), plus the
 * generator's own guards: the patch list and the naming rule.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schema, SchemaAST } from "effect"
import { spawnSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { applyPatches, type Patch } from "../scripts/codegen/Patch.ts"
import { diffSpecs, formatDiff } from "../scripts/codegen/Diff.ts"
import { readPinned, readPinnedSpec, sharedFile } from "../scripts/codegen/Pinned.ts"
import { operationName, parseCatalog, pathVersions, type Spec } from "../scripts/codegen/Spec.ts"
import { CommandStatus } from "../src/generated/Commands.ts"
import { OrderItem, PaymentInput, ProductOrderItem, ServiceOrderItem } from "../src/generated/Common.ts"
import { DisassembleDocumentCreateRequest } from "../src/generated/InventoryDocuments.ts"
import { ExternalMenuComboItem, ExternalMenuV2, ExternalMenuV3, ExternalMenuV4, MenuByIdV2Response } from "../src/generated/Menu.ts"
import * as WebhookEvent from "../src/WebhookEvent.ts"

const fixtures = JSON.parse(readFileSync(new URL("./fixtures/tricky-shapes.json", import.meta.url), "utf8"))
const samples = JSON.parse(readFileSync(new URL("./fixtures/contract-samples.json", import.meta.url), "utf8"))

const decodeMenu = Schema.decodeUnknownEffect(MenuByIdV2Response)

describe("external menu (api/2/menu/by_id)", () => {
  it.effect("V2: SERVICE items, object taxCategory and nutrition, null prices and sizeId", () =>
    Effect.gen(function*() {
      const menu = yield* decodeMenu(fixtures.externalMenuV2)
      assert.strictEqual(menu.formatVersion, 2)
      assert.isFalse("newTopLevelField" in menu)
      if (!Schema.is(ExternalMenuV2)(menu)) return assert.fail("expected V2")
      const item = menu.itemCategories[0]?.items[0]
      assert.strictEqual(item?.type, "SERVICE")
      assert.deepStrictEqual(item?.taxCategory, { id: "tax-1", name: "VAT 20", percentage: 20 })
      assert.strictEqual(item?.itemSizes[0]?.sizeId, null)
      assert.deepStrictEqual(item?.itemSizes[0]?.prices, [{ organizations: ["org-1"], organizationId: "org-1", price: null }])
    }))

  it.effect("V3: overrideTaxCategories is a map, modifier restrictions are objects", () =>
    Effect.gen(function*() {
      const menu = yield* decodeMenu(fixtures.externalMenuV3)
      if (!Schema.is(ExternalMenuV3)(menu)) return assert.fail("expected V3")
      assert.deepStrictEqual(Object.keys(menu.overrideTaxCategories ?? {}), ["5b8e2c4a-1111-4222-8333-444455556666"])
      const modifier = menu.itemGroups[0]?.items[0]?.itemSizes[0]?.itemModifierGroups[0]?.items?.[0]
      assert.deepStrictEqual(modifier?.restrictions, { minQuantity: 0, maxQuantity: 2, defaultQuantity: 0 })
    }))

  it.effect("V4: DISH and SERVICE are items, COMBO is a combo, an unknown type is kept whole", () =>
    Effect.gen(function*() {
      const menu = yield* decodeMenu(fixtures.externalMenuV4)
      if (!Schema.is(ExternalMenuV4)(menu)) return assert.fail("expected V4")
      const items = menu.itemGroups[0]?.items ?? []
      assert.deepStrictEqual(items.map((i): string => i.type), ["DISH", "SERVICE", "COMBO", "BUNDLE"])
      assert.deepStrictEqual(Schema.is(ExternalMenuComboItem)(items[2]) ? items[2].sizes : undefined, [{ name: "Regular", sizeId: "size-1" }])
      assert.deepStrictEqual(items[3], { id: "future-1", type: "BUNDLE", bundleOf: ["item-2", "item-3"] })
    }))

  it.effect("an unknown formatVersion is kept rather than failing", () =>
    Effect.gen(function*() {
      const menu = yield* decodeMenu(fixtures.externalMenuV5)
      assert.deepStrictEqual(menu, fixtures.externalMenuV5)
    }))

  it.effect("a V3 body labelled formatVersion 2 fails: the union keys on formatVersion", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(decodeMenu({ ...fixtures.externalMenuV3, formatVersion: 2 }))
      assert.isTrue(Exit.isFailure(exit))
    }))
})

describe("polymorphic shapes", () => {
  it.effect("command status: each documented state and an unknown one", () =>
    Effect.gen(function*() {
      const states = yield* Schema.decodeUnknownEffect(Schema.Array(CommandStatus))(fixtures.commandStatuses)
      assert.deepStrictEqual(states.map((s): string => s.state), ["InProgress", "Success", "Error", "Paused"])
      const error = states[2]
      assert.deepStrictEqual(error, fixtures.commandStatuses[2])
      assert.deepStrictEqual(states[3], { state: "Paused", resumeAt: "2024-05-06 07:08:09.123" })
    }))

  it.effect("order items: Product and Service decode to their variants, an unknown type is kept", () =>
    Effect.gen(function*() {
      const items = yield* Schema.decodeUnknownEffect(Schema.Array(OrderItem))(fixtures.orderItems)
      const [product, service, gift] = items
      assert.strictEqual(Schema.is(ProductOrderItem)(product) ? product.product.name : undefined, "Pizza")
      assert.strictEqual(Schema.is(ServiceOrderItem)(service) ? service.service.name : undefined, "Delivery")
      assert.deepStrictEqual(gift, fixtures.orderItems[2])
    }))

  it.effect("a known variant with a malformed body fails instead of becoming unknown", () =>
    Effect.gen(function*() {
      const { product: _, ...withoutProduct } = fixtures.orderItems[0]
      const exit = yield* Effect.exit(Schema.decodeUnknownEffect(OrderItem)(withoutProduct))
      assert.isTrue(Exit.isFailure(exit))
    }))

  it("payments in requests: each kind encodes; an unknown kind or a stray field is rejected", () => {
    const encode = Schema.encodeUnknownExit(Schema.Array(PaymentInput), { onExcessProperty: "error" })
    assert.isTrue(Exit.isSuccess(encode(fixtures.paymentsInput)))
    assert.isTrue(Exit.isFailure(encode([{ ...fixtures.paymentsInput[0], paymentTypeKind: "Crypto" }])))
    assert.isTrue(Exit.isFailure(encode([{ ...fixtures.paymentsInput[1], cardNumber: "4111" }])))
    assert.isTrue(Exit.isFailure(encode([{ ...fixtures.paymentsInput[0], paymentTypeId: "not-a-guid" }])))
  })
})

describe("webhook body", () => {
  it.effect("decodes documented, schema-less and unknown event types in one batch", () =>
    Effect.gen(function*() {
      const order = samples.deliveriesById.response.orders[0]
      const body = [
        { eventType: "DeliveryOrderUpdate", eventTime: "2024-05-06 07:08:09.123", organizationId: "org", correlationId: "c", eventInfo: order },
        ...fixtures.webhookBody
      ]
      const events = yield* WebhookEvent.decodeJson(JSON.stringify(body))
      assert.deepStrictEqual(events.map((e) => e.eventType), [
        "DeliveryOrderUpdate",
        "StopListUpdate",
        "PersonalShift",
        "NomenclatureUpdate",
        "MenuPublished"
      ])
      assert.deepStrictEqual(events[0]?.eventInfo, order)
      assert.deepStrictEqual(events[4], fixtures.webhookBody[3])
    }))

  it.effect("rejects a body that is not an array", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(WebhookEvent.decode({ eventType: "StopListUpdate" }))
      assert.isTrue(Exit.isFailure(exit))
    }))
})

describe("open unions", () => {
  /** Every union reachable from the generated modules' exported schemas. */
  const unions = async () => {
    const directory = new URL("../src/generated/", import.meta.url)
    const found = new Set<SchemaAST.Union>()
    const seen = new Set<SchemaAST.AST>()
    const walk = (ast: SchemaAST.AST): void => {
      if (seen.has(ast)) return
      seen.add(ast)
      switch (ast._tag) {
        case "Union":
          found.add(ast)
          return ast.types.forEach(walk)
        case "Objects":
          ast.propertySignatures.forEach((property) => walk(property.type))
          return ast.indexSignatures.forEach((index) => walk(index.type))
        case "Arrays":
          ast.elements.forEach(walk)
          return ast.rest.forEach(walk)
        case "Suspend":
          return walk(ast.thunk())
      }
    }
    for (const file of readdirSync(directory).filter((name) => name.endsWith(".ts"))) {
      const module: Record<string, unknown> = await import(new URL(file, directory).href)
      for (const value of Object.values(module)) if (Schema.isSchema(value)) walk(value.ast)
    }
    return [...found]
  }
  /** `IikoSchema.unknownVariant`: named fields and the rest kept (a plain record has no named fields). */
  const isFallback = (ast: SchemaAST.AST) =>
    ast._tag === "Objects" && ast.indexSignatures.length > 0 && ast.propertySignatures.length > 0
  const isTagged = (ast: SchemaAST.AST) =>
    ast._tag === "Objects" && ast.propertySignatures.some((property) => property.type._tag === "Literal")

  it("no union mixes tagged variants with the untagged fallback, so a decode picks a variant by one tag lookup", async () => {
    const all = await unions()
    const open = all.filter((union) => union.types.some(isFallback))
    assert.isAbove(open.length, 10)
    for (const union of open) {
      assert.isFalse(union.types.some(isTagged), union.types.map((type) => type._tag).join(", "))
      assert.strictEqual(union.types.length, 2)
      assert.strictEqual(union.types[0]?._tag, "Union")
    }
  })
})

describe("codegen guards", () => {
  const spec = () => ({ components: { schemas: { A: { properties: { flag: { type: "bool" } as Record<string, unknown> } } } } })
  const patch = (overrides: Partial<Patch>): Patch => ({
    reason: "test",
    op: "replace",
    path: "/components/schemas/A/properties/flag/type",
    expect: "bool",
    value: "boolean",
    ...overrides
  })

  it("applies a patch whose guard holds", () => {
    const doc = spec()
    applyPatches(doc, [patch({}), patch({ op: "add", path: "/components/schemas/A/properties/flag/nullable", value: true })])
    assert.deepStrictEqual(doc.components.schemas.A.properties.flag, { type: "boolean", nullable: true })
  })

  it("fails loudly when the target changed, is missing, or already exists", () => {
    assert.throws(() => applyPatches(spec(), [patch({ expect: "float" })]), /no longer looks as expected/)
    assert.throws(() => applyPatches(spec(), [patch({ path: "/components/schemas/B/properties/flag/type" })]), /missing/)
    assert.throws(() => applyPatches(spec(), [patch({ op: "add" })]), /already exists/)
    assert.throws(() => applyPatches(spec(), [patch({ reason: "" })]), /missing reason/)
  })

  const catalog = () => parseCatalog(readFileSync(new URL("../codegen/operations.tsv", import.meta.url), "utf8"))

  it("the naming rule reproduces every name of the catalog, and the names are unique", () => {
    const rows = catalog()
    const posts = new Set(rows.filter((r) => r.method === "POST").map((r) => r.path))
    const versions = pathVersions(rows.map((r) => r.path))
    assert.strictEqual(rows.length, 343)
    for (const row of rows) assert.strictEqual(operationName(row.method, row.path, posts.has(row.path), versions), row.name)
    assert.strictEqual(new Set(rows.map((r) => r.name)).size, rows.length)
  })

  it("no July name changes meaning: every July operation still in the spec keeps its name", () => {
    const july = readFileSync(sharedFile("operations.tsv"), "utf8").split("\n").slice(1)
      .filter((line) => line.trim() !== "").map((line) => line.split("\t"))
    const now = new Map(catalog().map((r) => [`${r.method} ${r.path}`, r.name]))
    let kept = 0
    for (const [name, method, path] of july) {
      const current = now.get(`${method} ${path}`)
      if (current === undefined) continue
      assert.strictEqual(current, name, `${method} ${path}`)
      kept++
    }
    assert.strictEqual(kept, 223)
  })

  it("area paths: the version suffix only where the same path exists in a lower version", () => {
    const versions = pathVersions(["/api/2/menu/by_id", "/api/menu/v3/by_id", "/api/nomenclature/v1/product/list",
      "/api/nomenclature/v2/product/list", "/api/nomenclature/v2/assembly-chart/tree", "/api/licenses/v2/list"])
    const name = (path: string) => operationName("POST", path, false, versions)
    assert.strictEqual(name("/api/menu/v3/by_id"), "menuByIdV3")
    assert.strictEqual(name("/api/nomenclature/v1/product/list"), "nomenclatureProductList")
    assert.strictEqual(name("/api/nomenclature/v2/product/list"), "nomenclatureProductListV2")
    assert.strictEqual(name("/api/nomenclature/v2/assembly-chart/tree"), "nomenclatureAssemblyChartTree")
    assert.strictEqual(name("/api/licenses/v2/list"), "licensesList")
  })

  it("a patch aimed at a field the October spec no longer has fails the generator, naming it", () => {
    const october = JSON.parse(readPinnedSpec().text)
    const gone: Patch = {
      reason: "pseudo-type 'bool' is JSON boolean",
      op: "replace",
      path: "/components/schemas/ExternalMenuItem3/properties/splittable/type",
      expect: "bool",
      value: "boolean"
    }
    assert.throws(() => applyPatches(october, [gone]), /ExternalMenuItem3.*missing segment "ExternalMenuItem3"/)
    const dangling: Patch = { reason: "r", op: "add", path: "/components/schemas/ExternalMenuCategory3/properties/items/items/discriminator", value: { propertyName: "type", mapping: { DISH: "#/components/schemas/ExternalMenuItem3" } } }
    assert.throws(() => applyPatches(october, [dangling]), /references missing component ExternalMenuItem3/)
  })

  it("the committed patch list applies to the October spec, every patch with its reason", () => {
    const october = JSON.parse(readPinnedSpec().text)
    const patches: ReadonlyArray<Patch> = JSON.parse(readFileSync(new URL("../codegen/patches.json", import.meta.url), "utf8"))
    applyPatches(october, patches)
    assert.strictEqual(october.components.schemas.ExternalMenuItem2.properties.splittable.type, "boolean")
  })

  it("the spec pinned in codegen/spec.json is read from its path and checked against its sha256", () => {
    const { path, text } = readPinnedSpec()
    assert.isTrue(path.endsWith(readPinned().path.replace(/^(\.\.\/)+/, "")), path)
    assert.strictEqual(JSON.parse(text).openapi.startsWith("3."), true)
  })

  it("a shared file that is not there fails naming the file and where it should be", () => {
    assert.throws(
      () => sharedFile("no-such-spec.json"),
      /the shared file no-such-spec\.json is missing: .*no-such-spec\.json\nIt lives in the shared folder beside the checkout/
    )
  })

  it("codegen:update without a reachable documentation endpoint fails clearly and changes nothing", () => {
    const pinned = readFileSync(new URL("../codegen/spec.json", import.meta.url), "utf8")
    const ci = readFileSync(new URL("../.ci/run", import.meta.url), "utf8")
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/codegen-update.ts", "--url", "http://127.0.0.1:65530/api-docs/docs"], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      encoding: "utf8"
    })
    assert.strictEqual(run.status, 1)
    assert.match(run.stderr, /cannot download the spec from http:\/\/127\.0\.0\.1:65530\/api-docs\/docs \(fetch failed: .*\)\.\nNothing was changed\./)
    assert.strictEqual(readFileSync(new URL("../codegen/spec.json", import.meta.url), "utf8"), pinned)
    assert.strictEqual(readFileSync(new URL("../.ci/run", import.meta.url), "utf8"), ci)
  })

  it("codegen:diff between the July and October specs reports 120 added and 2 removed operations", () => {
    const read = (name: string): Spec => JSON.parse(readFileSync(sharedFile(name), "utf8"))
    const diff = diffSpecs(read("openapi.json"), read("openapi-2026-10.json"))
    assert.strictEqual(diff.before, 225)
    assert.strictEqual(diff.after, 343)
    assert.strictEqual(diff.added.length, 120)
    assert.deepStrictEqual(diff.removed.map((op) => op.key), [
      "POST /api/inventory/v1/counteragents",
      "POST /api/inventory/v1/nomenclature/update_barcodes"
    ])
    assert.isTrue(diff.added.some((op) => op.name === "menuByIdV3"))
    assert.deepStrictEqual(diff.changed.find((op) => op.name === "menuByIdV2")?.aspects.includes("deprecated"), true)
    assert.match(formatDiff(diff), /^operations: 225 -> 343; added 120, removed 2, changed \d+/)
  })

  it("inventory and finance dates stated in prose become validated ISO 8601 request strings", () => {
    const request = samples["inventoryDisassembleDocumentCreate"].request
    const valid = Schema.is(DisassembleDocumentCreateRequest)
    assert.isTrue(valid(request))
    assert.isTrue(valid({ ...request, date: "2025-12-26T12:40:26.801+03:00" }))
    assert.isFalse(valid({ ...request, date: "2025-12-26 12:40:26.801" }))
    assert.isFalse(valid({ ...request, date: "2025-12-26T12:40:26" }))
  })
})
