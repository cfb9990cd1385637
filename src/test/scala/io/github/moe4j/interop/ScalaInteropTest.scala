package io.github.moe4j.interop

import io.github.moe4j.api.{ChatMessage, GenerateOptions, LoadOptions, Model, Moe4jException, StopReason, Token}
import org.junit.jupiter.api.Assertions.{assertEquals, assertThrows, assertTrue}
import org.junit.jupiter.api.{Assumptions, Test}

import java.nio.file.{Files, Path}
import scala.util.Using

/** The API as a Scala 3 program uses it: `Using`, a lambda as the listener, builders. */
class ScalaInteropTest:

  private def fixture(relative: String): Path =
    val env = System.getenv("MOE4J_FIXTURES")
    val root =
      if env != null && !env.isBlank then Path.of(env)
      else Path.of(Option(System.getenv("MOE4J_PROJECT_ROOT")).getOrElse(System.getProperty("user.dir"))).resolve("../shared/fixtures")
    val p = root.resolve(relative).normalize()
    if !Files.exists(p) then
      if System.getenv("CI") == "true" then throw new AssertionError(s"fixture $p is absent; CI=true requires it")
      Assumptions.abort[Unit](s"fixture $p is absent; skipping")
    p

  @Test
  def generateWithUsing(): Unit =
    val pieces = new StringBuilder
    val result = Using.Manager { use =>
      val model = use(Model.load(fixture("models/qwen3moe/qwen3moe-Q8_0.gguf"), LoadOptions.builder().threads(1).build()))
      val session = use(model.newSession())
      session.generate("The old sailor looked at the sky",
        GenerateOptions.builder().maxTokens(6).temperature(0f).build(),
        (token: Token) => pieces.append(token.text()))
    }
    val generation = result.recover {
      // skips while the tokenizer (issue 5) is not merged yet
      case e: Moe4jException if e.getMessage.contains("tokenizer, which is not available") =>
        Assumptions.abort[Nothing](s"not implemented yet: ${e.getMessage}")
    }.get
    assertEquals(generation.text(), pieces.toString)
    assertEquals(6, generation.tokens().length)
    assertEquals(StopReason.MAX_TOKENS, generation.stopReason())

  @Test
  def optionsFailFastWithTheOptionsName(): Unit =
    val e = assertThrows(classOf[IllegalArgumentException], () => GenerateOptions.builder().maxTokens(-1))
    assertTrue(e.getMessage.contains("maxTokens"))
    assertEquals("system", ChatMessage.system("Be brief.").role())
