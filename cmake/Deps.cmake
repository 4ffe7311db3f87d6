# Every external dependency is found here, with pkg-config, from Debian's archive.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LWS REQUIRED IMPORTED_TARGET libwebsockets>=4.1)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq>=4.3)
# Debian 12 ships msgpack-c 4.0 as "msgpack"; msgpack-c 6 renamed it "msgpack-c".
pkg_search_module(MSGPACK REQUIRED IMPORTED_TARGET msgpack-c msgpack)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson>=2.13)
pkg_check_modules(CRYPTO REQUIRED IMPORTED_TARGET libcrypto>=3.0)
pkg_check_modules(ARGON2 REQUIRED IMPORTED_TARGET libargon2)
find_package(Threads REQUIRED)
