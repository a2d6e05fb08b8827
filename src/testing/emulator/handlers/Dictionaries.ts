/**
 * Reference data per organization: order types, payment types, cancel causes and couriers.
 *
 * @since 0.1.0
 */
import type * as Domain from "../Domain.ts"
import * as R from "../Route.ts"
import { json } from "../Wire.ts"

const perOrganization = <A>(
  name: string,
  path: string,
  field: string,
  items: (dictionaries: Domain.Dictionaries, context: R.Context, organizationId: string) => ReadonlyArray<A>
) =>
  R.post(name, path, "read", (context) => {
    const organizations = R.organizations(context, R.uuids(context.body, "organizationIds", true))
    return json({
      correlationId: context.correlationId,
      [field]: organizations.map((o) => ({
        organizationId: o.id,
        items: items(context.state.dictionaries.get(o.id)!, context, o.id)
      }))
    })
  })

const flat = <A>(
  name: string,
  path: string,
  field: string,
  items: (dictionaries: Domain.Dictionaries, context: R.Context, organizationId: string) => ReadonlyArray<A>
) =>
  R.post(name, path, "read", (context) => {
    const organizations = R.organizations(context, R.uuids(context.body, "organizationIds", true))
    return json({
      correlationId: context.correlationId,
      [field]: organizations.flatMap((o) => items(context.state.dictionaries.get(o.id)!, context, o.id))
    })
  })

/**
 * The modelled dictionary operations.
 *
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<R.Modelled> = [
  perOrganization("deliveriesOrderTypes", "/api/1/deliveries/order_types", "orderTypes", (d) =>
    d.orderTypes.map((t) => ({ ...t, isDeleted: false, externalRevision: null, isDefault: false }))),
  flat("paymentTypes", "/api/1/payment_types", "paymentTypes", (d, context, organizationId) =>
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
  flat("cancelCauses", "/api/1/cancel_causes", "cancelCauses", (d) => d.cancelCauses.map((c) => ({ ...c, isDeleted: false }))),
  perOrganization("employeesCouriers", "/api/1/employees/couriers", "employees", (d) =>
    d.couriers.map((c) => ({ ...c, middleName: null, isDeleted: false })))
]
