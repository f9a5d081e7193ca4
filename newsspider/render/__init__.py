"""Add-on: render client-rendered pages in headless Chromium (scrapy-playwright)."""
