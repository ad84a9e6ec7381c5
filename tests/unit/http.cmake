# Tests of the HTTP uplinks (rg_http): SM4 on its own, then both sinks against a real
# recording HTTP server (tests/lib/http_server.py) on a loopback port.
# test_sm4 links libcrypto itself for its independent SM4-ECB reference; sm4.c opens
# the same library at run time (gateway/sm4_crypto.h).
rg_unit_test(test_sm4 rg_http PkgConfig::CRYPTO)
rg_unit_test(test_sink_http rg_http rg_base)
target_sources(test_sink_http PRIVATE ${CMAKE_SOURCE_DIR}/tests/lib/http_server.c
                                      ${CMAKE_SOURCE_DIR}/tests/lib/mosquitto.c)
target_include_directories(test_sink_http PRIVATE ${CMAKE_SOURCE_DIR}/tests/lib)
