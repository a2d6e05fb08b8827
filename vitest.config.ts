import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

// vitest 5's reporters call `Map.groupBy` (Node 21+) when printing a failure; on Node 20 the report
// itself would crash and hide the failing assertion. This runs in the main process, before reporting.
if (typeof (Map as { groupBy?: unknown }).groupBy !== "function") {
  Object.defineProperty(Map, "groupBy", {
    configurable: true,
    writable: true,
    value: <K, V>(items: Iterable<V>, key: (item: V, index: number) => K): Map<K, Array<V>> => {
      const groups = new Map<K, Array<V>>()
      let index = 0
      for (const item of items) {
        const k = key(item, index++)
        const group = groups.get(k)
        if (group === undefined) groups.set(k, [item])
        else group.push(item)
      }
      return groups
    }
  })
}

export default defineConfig({
  // README snippets (examples/) import the package by name, as users do.
  resolve: {
    alias: [
      { find: /^effect-iiko$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
      { find: /^effect-iiko\/testing$/, replacement: fileURLToPath(new URL("./src/testing/index.ts", import.meta.url)) },
      { find: /^effect-iiko\/(.*)$/, replacement: fileURLToPath(new URL("./src/$1.ts", import.meta.url)) }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    // Throwaway servers for the suites that need them (or EFFECT_IIKO_TEST_REDIS_URL /
    // EFFECT_IIKO_TEST_DATABASE_URL): redis-server for the shared rate-limit stores, PostgreSQL and a
    // PGlite template folder for the database sync.
    globalSetup: ["test/redis.setup.ts", "test/database.setup.ts"],
    testTimeout: 30_000
  }
})
