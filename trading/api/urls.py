from django.urls import path

from trading.api import views

urlpatterns = [
    path("trading/orders/", views.OrdersApi.as_view(), name="trading-orders"),
    path(
        "trading/orders/<int:order_id>/cancel/",
        views.OrderCancelApi.as_view(),
        name="trading-order-cancel",
    ),
    path("trading/trades/", views.MyTradesApi.as_view(), name="trading-my-trades"),
    path("market/tickers/", views.TickersApi.as_view(), name="market-tickers"),
    path("market/<str:symbol>/book/", views.OrderBookApi.as_view(), name="market-order-book"),
    path("market/<str:symbol>/trades/", views.PublicTradesApi.as_view(), name="market-trades"),
    path("market/<str:symbol>/candles/", views.CandlesApi.as_view(), name="market-candles"),
]
