from django.urls import path

from ledger.api import views

urlpatterns = [
    path("ledger/balances/", views.BalancesApi.as_view(), name="ledger-balances"),
    path("ledger/accounts/", views.AccountsApi.as_view(), name="ledger-accounts"),
    path(
        "ledger/transfers/internal/",
        views.InternalTransferApi.as_view(),
        name="ledger-transfer-internal",
    ),
    path(
        "ledger/transfers/from-wallet/",
        views.FromWalletTransferApi.as_view(),
        name="ledger-transfer-from-wallet",
    ),
    path(
        "ledger/transfers/to-wallet/",
        views.ToWalletTransferApi.as_view(),
        name="ledger-transfer-to-wallet",
    ),
    path("ledger/transactions/", views.TransactionHistoryApi.as_view(), name="ledger-transactions"),
    path("ledger/funding/", views.FundingHistoryApi.as_view(), name="ledger-funding"),
    path(
        "ledger/deposit-address/", views.DepositAddressApi.as_view(), name="ledger-deposit-address"
    ),
]
