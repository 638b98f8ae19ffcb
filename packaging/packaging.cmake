# Installation and Debian packages (included at the end of the top-level
# CMakeLists.txt, after every target exists).
#
# Installed: cvm-verify, cvm-collect, their man pages and
# cvm-evidence-bundle(5), and the format library as a STATIC
# libcvmevidence.a with its headers under include/cvm-evidence/ and a
# pkg-config file. Static on purpose: v0.x promises no ABI, and the tools
# link it in, so the runtime packages depend only on Debian's system
# libraries. Not installed: testdata/fake-cvm (test tooling that drives
# swtpm; an installed copy would look like a way to make evidence).
#
# Components -> packages (cpack -G DEB):
#   verify  -> cvm-verify          libssl3 libarchive13 libjansson4 libtss2-mu0
#   collect -> cvm-collect         + ESAPI, TCTI loader + device TCTI, RC, libcurl4 (dlopen'd for https)
#   dev     -> libcvmevidence-dev  the static library, headers, cvm-evidence.pc
include(GNUInstallDirs)

install(TARGETS cvm-verify RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT verify)
install(FILES ${CMAKE_SOURCE_DIR}/man/cvm-verify.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT verify)
install(FILES ${CMAKE_SOURCE_DIR}/man/cvm-evidence-bundle.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5 COMPONENT verify)
if(TARGET cvm-collect)
  install(TARGETS cvm-collect RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT collect)
  install(FILES ${CMAKE_SOURCE_DIR}/man/cvm-collect.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT collect)
endif()

set_target_properties(cvmformat PROPERTIES OUTPUT_NAME cvmevidence)
install(TARGETS cvmformat ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
file(GLOB _cvm_headers ${CMAKE_SOURCE_DIR}/format/*.h)
install(FILES ${_cvm_headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cvm-evidence COMPONENT dev)
file(RELATIVE_PATH CVM_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
string(REGEX REPLACE "/$" "" CVM_PC_TO_PREFIX "${CVM_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/cvm-evidence.pc.in ${CMAKE_BINARY_DIR}/cvm-evidence.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/cvm-evidence.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

set(CPACK_PACKAGE_NAME cvm-evidence)
set(CPACK_PACKAGE_VENDOR "cvm-evidence")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Azure confidential VM evidence: collect and verify offline")
set(CPACK_PACKAGE_CONTACT "cvm-evidence maintainers <cvm-evidence@localhost>")
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL verify collect dev)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.invalid/cvm-evidence")

# Depends are written out, not computed (dpkg-shlibdeps): the verifier's
# dependency set is part of its design (spec/verify.md §1, "no network
# code"), and tests/e2e/install_deb.sh checks it against the binary's
# DT_NEEDED. Minimum versions: Debian bookworm's (c-apis.md §0).
set(_cvm_verify_deps "libssl3 (>= 3.0.0), libarchive13 (>= 3.6.2), libjansson4 (>= 2.14), libtss2-mu0 (>= 3.2.1)")
set(CPACK_DEBIAN_VERIFY_PACKAGE_NAME cvm-verify)
set(CPACK_DEBIAN_VERIFY_PACKAGE_DEPENDS "${_cvm_verify_deps}")
set(CPACK_COMPONENT_VERIFY_DESCRIPTION "air-gapped verifier for Azure confidential VM evidence bundles
 cvm-verify checks, offline, AMD ARK -> ASK -> VCEK -> SNP report -> runtime claims -> vTPM AK ->
 TPM quote -> PCRs -> event logs, the bundle seal, operator CMS signatures and RFC 3161 tokens.")
set(CPACK_DEBIAN_COLLECT_PACKAGE_NAME cvm-collect)
set(CPACK_DEBIAN_COLLECT_PACKAGE_DEPENDS "${_cvm_verify_deps}, libtss2-esys-3.0.2-0 (>= 3.2.1), libtss2-tctildr0 (>= 3.2.1), libtss2-rc0 (>= 3.2.1), libtss2-tcti-device0 (>= 3.2.1), libcurl4 (>= 7.88.1)")
set(CPACK_COMPONENT_COLLECT_DESCRIPTION "evidence collector for Azure confidential VMs
 cvm-collect runs inside an Azure SEV-SNP confidential VM and writes one signed, deterministic
 evidence bundle (HCL report, VCEK chain, AK, two TPM quotes, event logs).")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libcvmevidence-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libssl-dev (>= 3.0.0), libarchive-dev (>= 3.6.2), libjansson-dev (>= 2.14), libtss2-dev (>= 3.2.1)")
set(CPACK_COMPONENT_DEV_DESCRIPTION "cvm-evidence format library (static) and headers
 Parsers and writers for the Azure HCL report, SNP report, AMD certificates, TPM structures,
 event logs and the cvm-evidence bundle, with a pkg-config file (cvm-evidence).")
include(CPack)
