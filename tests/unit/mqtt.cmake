# Tests of the MQTT sink (rg_mqtt), against a real mosquitto started by tests/lib/mosquitto.c.
rg_unit_test(test_sink_mqtt rg_mqtt rg_base)
target_sources(test_sink_mqtt PRIVATE ${CMAKE_SOURCE_DIR}/tests/lib/mosquitto.c)
target_include_directories(test_sink_mqtt PRIVATE ${CMAKE_SOURCE_DIR}/tests/lib)
rg_unit_test(test_sink_mqtt_cluster rg_mqtt rg_base)
target_sources(test_sink_mqtt_cluster PRIVATE ${CMAKE_SOURCE_DIR}/tests/lib/mosquitto.c)
target_include_directories(test_sink_mqtt_cluster PRIVATE ${CMAKE_SOURCE_DIR}/tests/lib)
