"""Text normalization: time stamps, bylines, photo credits, boilerplate, agencies.

Pure functions over strings; no Scrapy, no knowledge of Daily8's markup."""
