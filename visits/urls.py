from django.urls import path, re_path

from . import views

app_name = "visits"
DAY = r"(?P<day>\d{4}-\d{2}-\d{2})"
urlpatterns = [
    path("today/", views.today, name="today"),
    path("tasks/<int:pk>/log/", views.task_log, name="task_log"),
    path("tasks/<int:pk>/skip/", views.task_skip, name="task_skip"),
    path("customers/<int:pk>/log/", views.customer_log, name="customer_log"),
    path("report/", views.my_report, name="my_report"),
    re_path(rf"^report/{DAY}/$", views.my_report, name="my_report_day"),
    re_path(rf"^report/{DAY}/suggest/$", views.report_suggestion, name="report_suggestion"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/pdf/", views.report_pdf, name="report_pdf"),
    path("manager/", views.manager, name="manager"),
    path("assign/", views.assign, name="assign"),
    path("settings/", views.visit_settings, name="settings"),
    path("suggestions/", views.suggestion_list, name="suggestions"),
    re_path(r"^suggestions/(?P<pk>\d+)/(?P<decision>accept|reject)/$", views.suggestion_decide,
            name="suggestion_decide"),
]
