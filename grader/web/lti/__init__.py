"""The LTI 1.3 endpoints (/lti/login, /lti/launch, /lti/jwks, deep linking) and the teacher's LMS page.

Views live in `launch` and `admin`, registered on `bp` by `grader.web._register`; `framing` decides which
pages the registered platforms may show in their iframes. Without GRADER_LTI_CONFIG every /lti/ URL is 404.
"""
