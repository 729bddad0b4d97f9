app_name = "reflection_groups"

urlpatterns = []
