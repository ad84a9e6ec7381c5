"""png_check.py PNG WIDTH HEIGHT: does a screenshot of the commissioning report look like one?

Used by tests/integration/test_tool_*.sh after headless Chromium renders the report.
Exit 0 when the image has the expected size, is not blank (dark text pixels, but
not a dark page), has its title at the top, and shows the green PASS verdict;
otherwise 1 with the reason. Needs python3-pil (Debian).
"""
import sys

from PIL import Image

DARK = 96                   # luminance below this is text or a rule
DARK_MIN, DARK_MAX = 0.002, 0.30
TITLE_BAND = 120            # px: the title sits in the top band
GREEN_MIN = 40              # pixels of the PASS green (#0a6b2c, anti-aliased)


def main(path, width, height):
    img = Image.open(path).convert("RGB")
    if img.size != (width, height):
        return f"{path} is {img.size[0]}x{img.size[1]}, expected {width}x{height}"
    px = img.load()
    dark = green = title = 0
    for y in range(height):
        for x in range(0, width, 2):
            r, g, b = px[x, y]
            if 0.299 * r + 0.587 * g + 0.114 * b < DARK:
                dark += 1
                title += y < TITLE_BAND
            if g > 80 and g > r + 30 and g > b + 20:
                green += 1
    share = dark / (height * width / 2)
    if not DARK_MIN <= share <= DARK_MAX:
        return f"{share:.4f} of the page is dark: blank or unreadable (expected {DARK_MIN}..{DARK_MAX})"
    if title == 0:
        return "no text in the top band: the title is missing"
    if green < GREEN_MIN:
        return f"only {green} green pixels: the PASS verdict is not shown"
    print(f"png_check: {width}x{height}, {share:.3%} dark, {green} green pixels")
    return None


if __name__ == "__main__":
    why = main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
    if why:
        print(f"png_check: {why}", file=sys.stderr)
        sys.exit(1)
