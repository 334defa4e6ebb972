from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "instainstru.core"
    label = "core"
    verbose_name = "Platform"
