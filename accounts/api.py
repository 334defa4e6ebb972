from django.urls import path
from rest_framework import permissions, serializers
from rest_framework.generics import RetrieveAPIView

from accounts.models import User


class MeSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "timezone", "roles"]

    def get_roles(self, user) -> list[str]:
        roles = [role for role, flag in (("student", user.is_student), ("instructor", user.is_instructor)) if flag]
        return roles + (["staff"] if user.is_staff else [])


class MeView(RetrieveAPIView):
    """The authenticated user."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_object(self):
        return self.request.user


urlpatterns = [path("me/", MeView.as_view(), name="api-me")]
