from django.urls import path

from bookings import views

urlpatterns = [
    path("instructors/<str:public_id>/book/", views.booking_start, name="booking_start"),
    path("instructors/<str:public_id>/book/review/", views.booking_review, name="booking_review"),
    path("lessons/", views.my_lessons, name="my_lessons"),
    path("lessons/<str:public_id>/", views.booking_detail, name="booking_detail"),
    path("lessons/<str:public_id>/calendar.ics", views.booking_calendar_file, name="booking_calendar_file"),
    path("lessons/<str:public_id>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("lessons/<str:public_id>/reschedule/", views.booking_reschedule, name="booking_reschedule"),
    path("lessons/<str:public_id>/accept/", views.booking_accept, name="booking_accept"),
    path("lessons/<str:public_id>/complete/", views.booking_complete, name="booking_complete"),
    path("lessons/<str:public_id>/no-show/", views.booking_no_show, name="booking_no_show"),
    path("lessons/<str:public_id>/problem/", views.booking_report_problem, name="booking_report_problem"),
    path("teach/bookings/", views.teaching_bookings, name="teaching_bookings"),
    path("teach/bookings/week/", views.teaching_week, name="teaching_week"),
]
