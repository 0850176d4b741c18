"""营口精细化工政策助手 — grounded search over Yingkou's fine-chemical policy texts."""

__version__ = "0.1.0"
