"""Every kind of widget page, rendered through the test client, for checks that span them all."""
from __future__ import annotations

import re

from tests.conftest import form_token, tracking_code
from widget.demo import load_demo_data

RESUME_CODE = re.compile(r'<strong class="code" dir="ltr">([0-9A-Z-]+)</strong>')


def widget_pages(client, language: str) -> dict[str, str]:
    """{page name: HTML} for each page a person can reach, in one language (demo data)."""
    load_demo_data()
    base = f"/w/demo/{language}"
    pages = {}

    def keep(name, response):
        pages[name] = response.get_data(as_text=True)
        return pages[name]

    keep("catalogue", client.get(f"{base}/"))
    for slug in ("birth-registration", "construction-permit", "complaint", "insurance-card"):
        keep(f"form {slug}", client.get(f"{base}/f/{slug}"))
    token = form_token(pages["form construction-permit"])
    keep("form with errors", client.post(f"{base}/f/construction-permit", data={
        "form_token": token, "floor_area": "abc", "phone": "12"}))
    draft_page = keep("draft saved", client.post(f"{base}/f/construction-permit", data={
        "form_token": token, "action": "draft", "applicant": "Nguyễn Văn A"}))
    receipt = keep("receipt", client.post(f"{base}/f/construction-permit", data={
        "form_token": form_token(draft_page), "applicant": "Nguyễn Văn A", "address": "12 Lê Lợi",
        "floor_area": "120", "documents": ["land", "drawings"], "phone": "0912345678",
        "confirm": "y", "description": "Two floors"}))
    keep("track", client.get(f"{base}/track"))
    keep("track typo", client.post(f"{base}/track", data={"code": "7K3M-9QX2-HR4T-B6"}))
    keep("track unknown", client.post(f"{base}/track", data={"code": "0000-0000-0000-00"}))
    keep("status", client.post(f"{base}/track", data={"code": tracking_code(receipt)}))
    keep("resume", client.get(f"{base}/resume"))
    keep("resume unknown", client.post(f"{base}/resume", data={"code": "0000-0000-0000-00"}))
    resume_code = RESUME_CODE.search(keep("draft to resume", client.post(
        f"{base}/f/complaint", data={"form_token": form_token(pages["form complaint"]),
                                     "action": "draft", "message": "Half"}))).group(1)
    keep("resumed draft", client.post(f"{base}/resume", data={"code": resume_code}))
    keep("spam refused", client.post(f"{base}/f/complaint", data={
        "form_token": form_token(pages["form complaint"]), "website": "x"}))
    keep("not found", client.get(f"{base}/f/no-such-form"))
    return pages
