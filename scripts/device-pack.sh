#!/usr/bin/env bash
# Builds target/device-bundle.tgz: what scripts/device-check.sh needs on the GPU machine, which has no
# Java and no network. Contents (under device/): a jlinked JDK 25 runtime (jre/), the library's classes
# (classes/, with the kernel fatbins under io/github/moe4j/cuda/ when the build has them), the test
# classes (test-classes/), and the runtime and test jars (lib/; no Kotlin/Scala).
#
# Usage (here, on a machine with JDK 25 and the Maven repository): scripts/device-pack.sh
# Then hand target/device-bundle.tgz to the device machine beside the working tree (the device tool's
# `carry`), and run scripts/device-check.sh there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
MVN_OFFLINE="${MVN_OFFLINE:--o}"

mvn $MVN_OFFLINE -q -B -DskipTests test-compile
rm -rf target/device target/device-bundle.tgz
mkdir -p target/device
mvn $MVN_OFFLINE -q -B dependency:copy-dependencies -DincludeScope=test \
    -DexcludeGroupIds=org.jetbrains.kotlin,org.jetbrains,org.scala-lang,org.scala-lang.modules \
    -DoutputDirectory=target/device/lib
cp -r target/classes target/device/classes
cp -r target/test-classes target/device/test-classes
# the Kotlin/Scala interop test classes need their standard libraries, which are not packed
rm -rf target/device/test-classes/io/github/moe4j/interop

"$JAVA_HOME/bin/jlink" \
    --add-modules java.base,java.logging,java.xml,jdk.zipfs,jdk.incubator.vector,jdk.unsupported,java.management \
    --strip-debug --no-header-files --no-man-pages --compress=zip-9 \
    --output target/device/jre

tar -C target -czf target/device-bundle.tgz device
ls -l target/device-bundle.tgz
if ls target/device/classes/io/github/moe4j/cuda/*.fatbin >/dev/null 2>&1; then
  echo "fatbins: $(cd target/device/classes/io/github/moe4j/cuda && ls *.fatbin | tr '\n' ' ')"
else
  echo "WARNING: no fatbins in target/classes/io/github/moe4j/cuda: the cuda tests will skip (build native/ first)" >&2
fi
