"""The reference's example request bodies of the five workflows (its "Workflow Catalog"),
shared by the writer tests, the API tests and the benchmark."""

from __future__ import annotations

from typing import Any

KEYWORDS = ["protein shake", "commute", "healthy"]
EXAMPLES: dict[str, dict[str, Any]] = {
    "storyboard": {
        "prompt": "30-second paid social ad for a premium running shoe",
        "title": "Spring Launch Ad",
        "aspect_ratio": "9:16",
    },
    "hook_pack": {
        "prompt": "Portable blender for busy professionals",
        "audience": "Remote workers who skip breakfast",
        "tone": "persuasive",
        "length": "short",
        "target_duration": 20,
        "keywords": KEYWORDS,
        "additional_requirements": "Lead with convenience and save time.",
    },
    "ugc_ad": {
        "prompt": "Blue light glasses for creators",
        "audience": "Designers and editors working late",
        "tone": "casual",
        "length": "medium",
    },
    "creative_pack": {"product_url": "https://example.com/products/matte-black-water-bottle"},
    "product_ad_variants": {
        "product_name": "Portable espresso maker",
        "product_description": "Travel-friendly espresso maker for commuters",
        "audience": "Commuters and travelers",
        "tone": "persuasive",
        "length": "short",
        "variant_count": 3,
    },
}
