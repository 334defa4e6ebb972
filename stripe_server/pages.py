"""The local pages that stand in for Stripe-hosted ones: onboarding, identity, 3-D Secure."""

from __future__ import annotations

from html import escape

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1a1f36}
h1{font-size:1.4rem} .note{color:#697386;font-size:.9rem}
button{font-size:1rem;padding:.6rem 1.2rem;margin:.3rem .3rem 0 0;border-radius:6px;border:1px solid #635bff;
background:#635bff;color:#fff;cursor:pointer} button.secondary{background:#fff;color:#635bff}
"""


def page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><main><p class=note>Local Stripe (test mode)</p>"
        f"<h1>{escape(title)}</h1>{body}</main></body></html>"
    )


def form(action: str, buttons: list[tuple[str, str, str]], hidden: dict | None = None) -> str:
    """A POST form with one button per (name, value, label); the first is the primary one."""
    fields = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(str(v))}">' for k, v in (hidden or {}).items()
    )
    rendered = "".join(
        f'<button type="submit" name="{escape(name)}" value="{escape(value)}"'
        f"{' class=secondary' if index else ''}>{escape(label)}</button>"
        for index, (name, value, label) in enumerate(buttons)
    )
    return f'<form method="post" action="{escape(action)}">{fields}{rendered}</form>'


def onboarding(account: dict, action: str, refresh_url: str | None) -> str:
    leave = f'<p class=note><a href="{escape(refresh_url)}">Leave and return later</a></p>' if refresh_url else ""
    return page(
        "Set up payouts",
        f"<p>Onboarding the Express account <code>{escape(account['id'])}</code>"
        f"{' (' + escape(account['email']) + ')' if account.get('email') else ''}. Test details are filled in.</p>"
        + form(action, [("action", "complete", "Complete onboarding")])
        + leave,
    )


def identity(session: dict, action: str) -> str:
    return page(
        "Verify your identity",
        f"<p>Verification session <code>{escape(session['id'])}</code> ({escape(session['type'])}).</p>"
        + form(action, [("outcome", "verified", "Verify"), ("outcome", "requires_input", "Fail")], {"page": "1"}),
    )


def three_d_secure(intent: dict, action: str, hidden: dict) -> str:
    amount = f"${intent['amount'] / 100:.2f}" if "amount" in intent else "saving your card"
    return page(
        "3D Secure authentication",
        f"<p>Your bank asks you to confirm {escape(amount)}.</p>"
        + form(
            action,
            [("outcome", "complete", "Complete authentication"), ("outcome", "fail", "Fail authentication")],
            hidden,
        ),
    )


def message(title: str, text: str) -> str:
    return page(title, f"<p>{escape(text)}</p>")
