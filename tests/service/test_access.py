"""Every route of the app is checked against the roles: the test walks the whole route table.

A route is either public (listed below, with the reason) or guarded by `require_api_key` /
`login_required`; a new route that is neither fails this test until someone decides.
"""

from __future__ import annotations

import re

from flask import Flask

PUBLIC = {
    "static": "stylesheet",
    "health.healthz": "probe, reveals nothing",
    "health.readyz": "probe: list names and ages only",
    "pages.index": "overview of list status, no supplier data",
    "api.openapi": "the API's own description",
    "auth.login": "the sign-in form",
    "auth.logout": "signing out",
    "batches.template": "the blank template",
    "referrals.schema": "the referral document's JSON Schema, no data",
}
# endpoint → (how, roles): what each guarded route must demand. Empty roles: any valid caller.
EXPECTED = {
    "api.screen": ("api_key", ("officer", "reviewer", "approver")),
    "api.compare": ("api_key", ("officer", "reviewer", "approver")),
    "api.get_screening": ("api_key", ()),
    "lists.sources": ("api_key", ()),
    "lists.versions": ("api_key", ()),
    "lists.diff": ("api_key", ()),
    "lists.entry": ("api_key", ()),
    "suppliers.index": ("api_key", ()),
    "suppliers.show": ("api_key", ()),
    "suppliers.put": ("api_key", ("officer", "reviewer", "approver")),
    "suppliers.archive": ("api_key", ("officer", "reviewer", "approver")),
    "batch_api.submit": ("api_key", ("officer", "reviewer", "approver")),
    "batch_api.status": ("api_key", ()),
    "batch_api.report": ("api_key", ()),
    "batches.upload": ("login", ("officer", "reviewer", "approver")),
    "batches.receive": ("login", ("officer", "reviewer", "approver")),
    "batches.mapping": ("login", ("officer", "reviewer", "approver")),
    "batches.show": ("login", ()),
    "batches.progress": ("login", ()),
    "batches.report": ("login", ()),
    "findings.index": ("api_key", ()),
    "findings.show": ("api_key", ()),
    "findings.decisions": ("api_key", ("reviewer", "approver")),
    "findings.upload": ("api_key", ("reviewer", "approver")),
    "findings.download": ("api_key", ()),
    "review.queue": ("login", ()),
    "review.show": ("login", ()),
    "review.decisions": ("login", ("reviewer", "approver")),
    "review.upload": ("login", ("reviewer", "approver")),
    "review.attachment": ("login", ()),
    "admin.apikeys": ("login", ("admin",)),
    "admin.create_key": ("login", ("admin",)),
    "admin.revoke_key": ("login", ("admin",)),
    "admin.users": ("login", ("admin",)),
    "admin.create_user_account": ("login", ("admin",)),
    "admin.change_user_role": ("login", ("admin",)),
    "admin.deactivate_user": ("login", ("admin",)),
    "admin.reactivate_user": ("login", ("admin",)),
    "admin.unlock_user_account": ("login", ("admin",)),
    "audit.events": ("api_key", ("admin",)),
    "audit.page": ("login", ("admin",)),
    "audit.export": ("login", ("admin",)),
    "audit.verify": ("login", ("admin",)),
    "jobs.api_jobs": ("api_key", ("admin",)),
    "jobs.api_run_job": ("api_key", ("admin",)),
    "jobs.api_sweeps": ("api_key", ("admin", "reviewer", "approver")),
    "jobs.jobs_page": ("login", ("admin",)),
    "jobs.run_job_page": ("login", ("admin",)),
    "referrals.index": ("api_key", ()),
    "referrals.create": ("api_key", ("reviewer", "approver")),
    "referrals.show": ("api_key", ()),
    "referrals.download": ("api_key", ()),
    "referrals.submit": ("api_key", ("reviewer", "approver")),
    "referrals.approve": ("api_key", ("approver",)),
    "referrals.withdraw": ("api_key", ("reviewer", "approver")),
    "referrals.mark_delivered": ("api_key", ("approver",)),
    "referrals.retry": ("api_key", ("approver",)),
    "referral_pages.index": ("login", ()),
    "referral_pages.show": ("login", ()),
    "referral_pages.download": ("login", ()),
    "referral_pages.action": ("login", ("reviewer", "approver")),
    "referral_pages.new": ("login", ("reviewer", "approver")),
    "referral_pages.create": ("login", ("reviewer", "approver")),
}


def test_every_route_is_public_by_decision_or_guarded_as_expected(app: Flask) -> None:
    seen = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        seen[rule.endpoint] = getattr(view, "access", None)
    unguarded = sorted(e for e, access in seen.items() if access is None and e not in PUBLIC)
    assert unguarded == [], f"routes with no access rule and not declared public: {unguarded}"
    guarded = {e: access for e, access in seen.items() if access is not None}
    assert guarded == EXPECTED
    assert set(PUBLIC) <= set(seen), "a public route was removed: update PUBLIC"


def test_guards_really_refuse(app: Flask) -> None:
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        how = EXPECTED.get(rule.endpoint, (None,))[0]
        if how is None:
            continue
        url = re.sub(r"<int:\w+>", "1", rule.rule).replace("<path:entry_id>", "x")
        for arg in rule.arguments:
            url = url.replace(f"<{arg}>", "x")
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        response = client.open(url, method=method, headers={"Accept": "application/json"})
        if how == "api_key":
            assert response.status_code == 401, (rule.endpoint, response.status_code)
        else:  # pages: GETs go to sign-in; POSTs without a session's CSRF token are refused first
            assert response.status_code in (302, 400), (rule.endpoint, response.status_code)
