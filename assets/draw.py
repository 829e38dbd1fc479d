"""Draws the demo library's pictures (run once; the PNGs are kept beside it): nothing copied, nothing licensed.

    python assets/draw.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent / "images"
W, H = 640, 320


def _tv(draw: ImageDraw.ImageDraw, screen: tuple[int, int, int]) -> tuple[int, int, int, int]:
    box = (150, 40, 490, 230)
    draw.rounded_rectangle((box[0] - 8, box[1] - 8, box[2] + 8, box[3] + 8), radius=10, fill=(25, 25, 30))
    draw.rectangle(box, fill=screen)
    draw.rectangle((300, 238, 340, 262), fill=(40, 40, 45))
    draw.rectangle((250, 262, 390, 270), fill=(40, 40, 45))
    return box


def living_room() -> Image.Image:
    image = Image.new("RGB", (W, H), (236, 226, 208))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 250, W, H), fill=(150, 110, 80))  # floor
    draw.rectangle((20, 60, 110, 200), fill=(200, 220, 235))  # window
    x0, y0, x1, y1 = _tv(draw, (70, 130, 180))
    draw.polygon([(x0, y1), (x0 + 120, y0 + 60), (x0 + 200, y1)], fill=(90, 160, 90))  # a hill on the screen
    draw.ellipse((x1 - 80, y0 + 20, x1 - 40, y0 + 60), fill=(250, 220, 90))  # its sun
    draw.rounded_rectangle((480, 220, 630, 290), radius=18, fill=(120, 90, 160))  # sofa
    return image


def gaming() -> Image.Image:
    image = Image.new("RGB", (W, H), (30, 20, 60))
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = _tv(draw, (20, 20, 20))
    for i in range(6):  # a racing track on the screen
        draw.line((x0 + 20 + i * 50, y1, 320, y0 + 30), fill=(255, 0, 180) if i % 2 else (0, 220, 255), width=3)
    draw.rounded_rectangle((250, 270, 390, 310), radius=20, fill=(220, 220, 230))  # game controller
    draw.ellipse((270, 280, 290, 300), fill=(60, 60, 70))
    draw.ellipse((350, 280, 370, 300), fill=(230, 60, 60))
    return image


def match() -> Image.Image:
    image = Image.new("RGB", (W, H), (210, 230, 245))
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = _tv(draw, (40, 150, 60))
    draw.rectangle((x0 + 10, y0 + 10, x1 - 10, y1 - 10), outline=(255, 255, 255), width=2)  # the pitch
    draw.line((320, y0 + 10, 320, y1 - 10), fill=(255, 255, 255), width=2)
    draw.ellipse((290, 105, 350, 165), outline=(255, 255, 255), width=2)
    draw.ellipse((360, 120, 376, 136), fill=(255, 255, 255))  # the ball
    return image


def family() -> Image.Image:
    image = Image.new("RGB", (W, H), (250, 236, 220))
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = _tv(draw, (255, 200, 80))
    for cx, r, colour in ((200, 30, (230, 120, 100)), (260, 22, (120, 170, 230)), (560, 34, (110, 180, 120))):
        draw.ellipse((cx - r, 300 - 3 * r, cx + r, 300 - r), fill=colour)  # heads on the sofa
    draw.rounded_rectangle((150, 270, 620, 315), radius=14, fill=(170, 120, 90))
    return image


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    for name, draw_it in {"tv-living-room": living_room, "tv-gaming": gaming, "tv-match": match,
                          "tv-family": family}.items():
        draw_it().save(HERE / f"{name}.png", optimize=True)
