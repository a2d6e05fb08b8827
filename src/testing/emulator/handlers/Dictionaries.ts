/**
 * Reference data per organization: order types, payment types, cancel causes and couriers.
 *
 * @since 0.1.0
 */
import type { Endpoint, WireSchema } from "../../../Endpoint.ts"
import * as Iiko from "../../../generated/Iiko.ts"
import type * as Domain from "../Domain.ts"
import * as R from "../Route.ts"
import { json } from "../Wire.ts"

type Items<A> = (dictionaries: Domain.Dictionaries, context: R.Context, organizationId: string) => ReadonlyArray<A>

/**
 * A dictionary read over `organizationIds`: `grouped` answers `[{ organizationId, items }]` per
 * organization (order types, couriers), otherwise one flat list (payment types, cancel causes).
 */
const dictionary = <A>(operation: ByOrganizations, field: string, grouped: boolean, items: Items<A>) =>
  R.handle(operation, (context) => {
    const organizations = R.organizations(context, context.body.organizationIds)
    const itemsOf = (organizationId: string) =>
      items(context.state.dictionaries.get(organizationId)!, context, organizationId)
    return json({
      correlationId: context.correlationId,
      [field]: grouped
        ? organizations.map((o) => ({ organizationId: o.id, items: itemsOf(o.id) }))
        : organizations.flatMap((o) => itemsOf(o.id))
    })
  })

/** An operation whose request names `organizationIds`. */
type ByOrganizations = {
  readonly endpoint: Endpoint<WireSchema & { readonly Type: { readonly organizationIds: ReadonlyArray<string> } }>
}

const perOrganization = <A>(operation: ByOrganizations, field: string, items: Items<A>) =>
  dictionary(operation, field, true, items)

const flat = <A>(operation: ByOrganizations, field: string, items: Items<A>) => dictionary(operation, field, false, items)

/**
 * The modelled dictionary operations.
 *
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<R.Modelled> = [
  perOrganization(Iiko.deliveriesOrderTypes, "orderTypes", (d) =>
    d.orderTypes.map((t) => ({ ...t, isDeleted: false, externalRevision: null, isDefault: false }))),
  flat(Iiko.paymentTypes, "paymentTypes", (d, context, organizationId) =>
    d.paymentTypes.map((p) => ({
      ...p,
      comment: null,
      combinable: true,
      externalRevision: null,
      applicableMarketingCampaigns: [],
      isDeleted: false,
      printCheque: true,
      paymentProcessingType: p.paymentTypeKind === "External" ? "External" : "Both",
      terminalGroups: context.state.terminalGroups
        .filter((t) => t.organizationId === organizationId)
        .map((t) => ({ id: t.id, organizationId: t.organizationId, name: t.name, address: t.address, timeZone: t.timeZone }))
    }))),
  flat(Iiko.cancelCauses, "cancelCauses", (d) => d.cancelCauses.map((c) => ({ ...c, isDeleted: false }))),
  perOrganization(Iiko.employeesCouriers, "employees", (d) =>
    d.couriers.map((c) => ({ ...c, middleName: null, isDeleted: false })))
]
