"""One Jinja2 environment: pages escaped, chat text left as written."""

from __future__ import annotations

from bot.templating import render_page


def test_the_web_chat_page_escapes_the_store_name() -> None:
    page = render_page("chat.html", store_name="<b>Tea & Co</b>")
    assert "<title>&lt;b&gt;Tea &amp; Co&lt;/b&gt; · test chat</title>" in page
    assert "<b>" not in page
