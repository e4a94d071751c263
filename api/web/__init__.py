"""The reviewer page and the analyst dashboard: static HTML and JavaScript over the JSON API.

The pages hold no data and no secrets; the browser signs in with an API key and
calls the same `/v1/...` endpoints as any other client, so authorisation stays
in one place (the API).
"""
