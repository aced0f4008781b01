def test_every_api_key_operation_is_in_the_schema(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    operations = {
        op["operationId"]
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {
        "api_keys_list",
        "api_keys_create",
        "api_keys_get",
        "api_keys_update",
        "api_keys_activation_request",
        "api_keys_activation_confirm",
        "api_keys_deactivate",
        "api_keys_delete",
    } <= operations
    created = schema["paths"]["/api/v1/api-keys/"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"]["$ref"].endswith("ApiKeyCreatedOutput")
