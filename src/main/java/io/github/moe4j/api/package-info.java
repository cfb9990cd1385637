/**
 * The public API of moe4j. Everything outside this package is internal and may change without notice.
 */
package io.github.moe4j.api;
