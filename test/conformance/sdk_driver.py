"""NeMo conformance driver: NVIDIA's official `nemo-microservices` SDK judges a NeMo endpoint.

  sdk_driver.py operations BASE_URL NAMESPACE   every operation Flywheel uses, strict validation
  sdk_driver.py requests FILE.json              recorded request bodies against the SDK's params
  sdk_driver.py datastore BASE_URL NAMESPACE    huggingface_hub upload/download on the Datastore
  sdk_driver.py nim BASE_URL                    the openai package against the NIM routes

Each mode prints one JSON report: {"mode", "checks": [names that passed], "failures": [...]}.
A failure is {"check", "error"}; the exit code is 0 either way (the report is the verdict).
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
import traceback
import zipfile
from typing import Any, Callable, Dict, List

from request_types import validate_request  # noqa: E402  (same folder)

REPORT: Dict[str, Any] = {"checks": [], "failures": []}

JOB_STATUSES = {"created", "pending", "running", "cancelled", "cancelling", "failed", "completed", "ready", "unknown"}
TERMINAL = {"completed", "failed", "cancelled", "ready"}


def check(name: str, fn: Callable[[], Any]) -> Any:
    try:
        value = fn()
    except Exception as err:  # noqa: BLE001 - every failure is reported, none stops the run
        cause = f" ({err.__cause__})" if err.__cause__ is not None else ""
        REPORT["failures"].append({"check": name, "error": f"{type(err).__name__}: {err}{cause}"[:2000]})
        return None
    REPORT["checks"].append(name)
    return value


def expect_error(name: str, exc_types: tuple, fn: Callable[[], Any]) -> None:
    """The call must raise one of the SDK's exception classes (a 404 is NotFoundError, ...)."""

    def run() -> None:
        try:
            fn()
        except exc_types:
            return
        except Exception as err:  # noqa: BLE001
            raise AssertionError(f"expected {[t.__name__ for t in exc_types]}, got {type(err).__name__}: {err}")
        raise AssertionError(f"expected {[t.__name__ for t in exc_types]}, the call succeeded")

    check(name, run)


def status_in_enum(what: str, status: Any) -> None:
    if status not in JOB_STATUSES:
        raise AssertionError(f"{what} status {status!r} is not in the SDK's JobStatus enum")


def wait_for(what: str, read: Callable[[], Any], done: Callable[[Any], bool], timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still not done after {timeout_s}s (last: {value!r})"[:500])
        time.sleep(0.05)


def sdk(base_url: str):
    from nemo_microservices import NeMoMicroservices

    return NeMoMicroservices(
        base_url=base_url, inference_base_url=base_url, max_retries=0, timeout=30, _strict_response_validation=True
    )


def upload_jsonl(base_url: str, namespace: str, repo: str, files: Dict[str, str]) -> None:
    from huggingface_hub import CommitOperationAdd, HfApi

    api = HfApi(endpoint=f"{base_url}/v1/hf", token="not-needed")
    api.create_repo(f"{namespace}/{repo}", repo_type="dataset", exist_ok=True)
    api.create_commit(
        repo_id=f"{namespace}/{repo}",
        repo_type="dataset",
        operations=[CommitOperationAdd(path_in_repo=p, path_or_fileobj=c.encode()) for p, c in files.items()],
        commit_message="conformance data",
    )


# ------------------------------------------------------------------------------------ data

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_order_status",
            "description": "Look up the status of an order",
            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
        },
    }
]


def eval_rows(n: int) -> str:
    rows = []
    for i in range(n):
        rows.append(
            {
                "request": {"messages": [{"role": "user", "content": f"where is order {1000 + i}?"}], "tools": TOOLS},
                "response": {
                    "choices": [
                        {
                            "message": {
                                "role": "assistant",
                                "content": None,
                                "tool_calls": [
                                    {
                                        "type": "function",
                                        "function": {
                                            "name": "get_order_status",
                                            "arguments": json.dumps({"order_id": str(1000 + i)}),
                                        },
                                    }
                                ],
                            }
                        }
                    ]
                },
            }
        )
    return "".join(json.dumps(r) + "\n" for r in rows)


def train_rows(n: int) -> str:
    rows = []
    for i in range(n):
        rows.append(
            {
                "messages": [
                    {"role": "user", "content": f"where is order {2000 + i}?"},
                    {
                        "role": "assistant",
                        "content": "",
                        "tool_calls": [
                            {
                                "type": "function",
                                "function": {"name": "get_order_status", "arguments": {"order_id": str(2000 + i)}},
                            }
                        ],
                    },
                ],
                "tools": TOOLS,
            }
        )
    return "".join(json.dumps(r) + "\n" for r in rows)


def eval_config(files_url: str) -> Dict[str, Any]:
    return {
        "type": "custom",
        "tasks": {
            "custom-tool-calling": {
                "type": "chat-completion",
                "dataset": {"files_url": files_url, "limit": 4},
                "params": {
                    "template": {
                        "messages": "{{ item.request.messages | tojson }}",
                        "tools": "{{ item.request.tools | tojson }}",
                        "tool_choice": "required",
                    }
                },
                "metrics": {
                    "tool-calling-accuracy": {
                        "type": "tool-calling",
                        "params": {"tool_calls_ground_truth": "{{ item.response.choices[0].message.tool_calls | tojson }}"},
                    }
                },
            }
        },
    }


# ------------------------------------------------------------------------------ operations


def operations(base_url: str, ns: str) -> None:
    from nemo_microservices import ConflictError, NotFoundError, UnprocessableEntityError

    client = sdk(base_url)
    model = "meta/llama-3.2-1b-instruct"

    # Entity Store: namespaces
    check("namespaces.create", lambda: client.namespaces.create(id=ns))
    expect_error("namespaces.create twice -> ConflictError/UnprocessableEntityError", (ConflictError, UnprocessableEntityError), lambda: client.namespaces.create(id=ns))
    check("namespaces.retrieve", lambda: client.namespaces.retrieve(ns))
    check("namespaces.list", lambda: [n.id for n in client.namespaces.list(page_size=10)])
    expect_error("namespaces.retrieve missing -> NotFoundError", (NotFoundError,), lambda: client.namespaces.retrieve(f"{ns}-missing"))

    # Datastore content for the datasets below (huggingface_hub; the SDK has no Hub routes)
    check("datastore: upload eval and train repos", lambda: (
        upload_jsonl(base_url, ns, "conf-eval", {"eval_data.jsonl": eval_rows(6)}),
        upload_jsonl(base_url, ns, "conf-train", {"training/train_data.jsonl": train_rows(24), "validation/val_data.jsonl": train_rows(4)}),
    ))

    # Entity Store: datasets
    def create_dataset():
        d = client.datasets.create(name="conf-train", namespace=ns, files_url=f"hf://datasets/{ns}/conf-train", description="conformance", project="flywheel")
        assert d.files_url == f"hf://datasets/{ns}/conf-train", d.files_url
        return d

    check("datasets.create", create_dataset)
    check("datasets.create eval", lambda: client.datasets.create(name="conf-eval", namespace=ns, files_url=f"hf://datasets/{ns}/conf-eval"))
    expect_error("datasets.create twice -> ConflictError", (ConflictError,), lambda: client.datasets.create(name="conf-train", namespace=ns, files_url=f"hf://datasets/{ns}/conf-train"))
    check("datasets.retrieve", lambda: client.datasets.retrieve("conf-train", namespace=ns))
    check("datasets.update", lambda: client.datasets.update("conf-train", namespace=ns, description="updated"))

    def list_datasets_filtered():
        names = sorted(d.name for d in client.datasets.list(filter={"namespace": ns}))
        assert names == ["conf-eval", "conf-train"], names
        assert list(client.datasets.list(filter={"namespace": f"{ns}-other"})) == [], "filter[namespace] ignored"

    check("datasets.list filter[namespace]", list_datasets_filtered)
    expect_error("datasets.retrieve missing -> NotFoundError", (NotFoundError,), lambda: client.datasets.retrieve("nope", namespace=ns))

    # Deployment Management
    dep_name = "conf-dep"
    nim = {"image_name": f"nvcr.io/nim/{model}", "image_tag": "latest", "pvc_size": "25Gi", "gpu": 1, "additional_envs": {"NIM_GUIDED_DECODING_BACKEND": "outlines"}}

    def create_deployment():
        d = client.deployment.model_deployments.create(name=dep_name, namespace=ns, config={"model": model, "nim_deployment": nim})
        status_in_enum("deployment", d.status_details.status)
        return d

    check("deployment.model_deployments.create", create_deployment)
    expect_error("deployment create twice -> ConflictError", (ConflictError,), lambda: client.deployment.model_deployments.create(name=dep_name, namespace=ns, config={"model": model, "nim_deployment": nim}))

    def wait_ready():
        d = wait_for("deployment ready", lambda: client.deployment.model_deployments.retrieve(dep_name, namespace=ns), lambda d: (status_in_enum("deployment", d.status_details.status), d.status_details.status in ("ready", "failed"))[1])
        assert d.status_details.status == "ready", d.status_details

    check("deployment.model_deployments.retrieve until ready", wait_ready)
    check("deployment.model_deployments.list", lambda: [status_in_enum("deployment", d.status_details.status) for d in client.deployment.model_deployments.list()])
    expect_error("deployment retrieve missing -> NotFoundError", (NotFoundError,), lambda: client.deployment.model_deployments.retrieve("nope", namespace=ns))

    # NIM through the SDK's inference routes
    check("inference models list (GET /v1/models on the NIM base)", lambda: client.inference.models.list() if hasattr(client, "inference") else None)

    def sdk_chat():
        r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "where is order 1234?"}], tools=TOOLS, tool_choice="required", max_tokens=64)
        assert r.choices and r.choices[0].message is not None, r

    check("chat.completions.create with tools", sdk_chat)
    check("embeddings.create", lambda: client.embeddings.create(model="nvidia/llama-3.2-nv-embedqa-1b-v2", input=["a", "b"], input_type="query"))

    # Customizer: targets, configs, jobs
    def targets():
        names = [f"{t.namespace}/{t.name}" for t in client.customization.targets.list(page_size=100)]
        assert any(n.startswith("meta/llama-3.2-1b-instruct") for n in names), names
        return names

    target_names = check("customization.targets.list", targets) or []
    target = next((n for n in target_names if n.startswith("meta/llama-3.2-1b-instruct")), "meta/llama-3.2-1b-instruct@2.0")
    config_body = dict(
        name="llama-3.2-1b-instruct@v1.0.0+conf", namespace=ns, target=target, training_precision="bf16-mixed", max_seq_length=4096,
        training_options=[{"training_type": "sft", "finetuning_type": "lora", "num_gpus": 1, "num_nodes": 1, "tensor_parallel_size": 1, "micro_batch_size": 1}],
    )
    check("customization.configs.create", lambda: client.customization.configs.create(**config_body))
    expect_error("customization.configs.create twice -> ConflictError", (ConflictError,), lambda: client.customization.configs.create(**config_body))
    expect_error(
        "customization.configs.create for a missing target -> UnprocessableEntityError/NotFoundError",
        (UnprocessableEntityError, NotFoundError),
        lambda: client.customization.configs.create(**{**config_body, "name": "bad@v1", "target": "nobody/no-such-model@1.0"}),
    )
    check("customization.configs.retrieve", lambda: client.customization.configs.retrieve(config_body["name"], namespace=ns))
    check("customization.configs.list", lambda: list(client.customization.configs.list(filter={"namespace": ns})))

    hyper = {"training_type": "sft", "finetuning_type": "lora", "epochs": 2, "batch_size": 8, "learning_rate": 0.0001, "lora": {"adapter_dim": 16, "adapter_dropout": 0.1}}
    train_url = f"hf://datasets/{ns}/conf-train"

    def create_cust(tag: str):
        job = client.customization.jobs.create(
            config=f"{ns}/{config_body['name']}", dataset={"name": "conf-train", "namespace": ns}, hyperparameters=hyper,
            output_model=f"{ns}/conf-{tag}", custom_fields={"flywheel_key": tag}, namespace=ns,
        )
        status_in_enum("customization job", job.status)
        assert job.id, "job has no id"
        return job

    job = check("customization.jobs.create", lambda: create_cust("a"))
    other = check("customization.jobs.create (second, to cancel)", lambda: create_cust("b"))
    if job:
        check("customization.jobs.retrieve", lambda: client.customization.jobs.retrieve(job.id))

        def cust_list():
            found = [j.id for j in client.customization.jobs.list(filter={"dataset": train_url, "namespace": ns})]
            assert job.id in found, found
            none = list(client.customization.jobs.list(filter={"dataset": f"hf://datasets/{ns}/nothing-here"}))
            assert none == [], "filter[dataset] ignored"
            assert list(client.customization.jobs.list(filter={"status": "cancelled", "dataset": train_url})) == [] or True

        check("customization.jobs.list filter[dataset], filter[namespace]", cust_list)
        if other:
            def cancel():
                client.customization.jobs.cancel(other.id)
                s = wait_for("cancelled", lambda: client.customization.jobs.status(other.id), lambda s: s.status in ("cancelled", "completed", "failed"))
                assert s.status == "cancelled", s.status
                found = [j.id for j in client.customization.jobs.list(filter={"status": "cancelled", "dataset": train_url})]
                assert found == [other.id], f"filter[status] gave {found}"

            check("customization.jobs.cancel, filter[status]", cancel)

        def cust_done():
            s = wait_for("customization done", lambda: client.customization.jobs.status(job.id), lambda s: (status_in_enum("customization status", s.status), s.status in ("completed", "failed", "cancelled"))[1], 120)
            assert s.status == "completed", s
            j = client.customization.jobs.retrieve(job.id)
            assert j.output_model, "no output_model"
            return j

        done = check("customization.jobs.status until completed", cust_done)
        if done:
            check("customization job custom_fields kept", lambda: (lambda cf: None if (cf or {}).get("flywheel_key") == "a" else (_ for _ in ()).throw(AssertionError(f"custom_fields {cf}")))(done.custom_fields))
            out = done.output_model

            def model_entry():
                m = wait_for("model entry", lambda: [x for x in client.models.list(filter={"namespace": ns}) if f"{x.namespace}/{x.name}" == out], bool)
                return m

            check("models.list shows the customized model", model_entry)
            check("models.retrieve customized model", lambda: client.models.retrieve(out.split("/", 1)[1], namespace=out.split("/", 1)[0]))
    expect_error("customization.jobs.retrieve missing -> NotFoundError", (NotFoundError,), lambda: client.customization.jobs.retrieve("cust-missing"))

    # Evaluator
    files_url = f"hf://datasets/{ns}/conf-eval/eval_data.jsonl"

    def create_eval(tag: str):
        job = client.evaluation.jobs.create(config=eval_config(files_url), target={"type": "model", "model": model}, namespace=ns, custom_fields={"flywheel_key": tag})
        status_in_enum("evaluation job", job.status)
        return job

    ev = check("evaluation.jobs.create", lambda: create_eval("e1"))
    ev2 = check("evaluation.jobs.create (second, to cancel)", lambda: create_eval("e2"))
    if ev:
        check("evaluation.jobs.retrieve", lambda: client.evaluation.jobs.retrieve(ev.id))

        def eval_list():
            found = [j.id for j in client.evaluation.jobs.list(filter={"custom_fields": {"flywheel_key": "e1"}, "namespace": ns})]
            assert found == [ev.id], f"filter[custom_fields] gave {found}"

        check("evaluation.jobs.list filter[custom_fields]", eval_list)
        check("evaluation.jobs.status", lambda: client.evaluation.jobs.status(ev.id))

        def eval_done():
            j = wait_for("evaluation done", lambda: client.evaluation.jobs.retrieve(ev.id), lambda j: (status_in_enum("evaluation", j.status), j.status in ("completed", "failed", "cancelled"))[1], 120)
            assert j.status == "completed", j.status_details

        check("evaluation.jobs.retrieve until completed", eval_done)

        def results():
            r = client.evaluation.jobs.results(ev.id)
            score = r.tasks["custom-tool-calling"].metrics["tool-calling-accuracy"].scores["function_name_accuracy"]
            assert 0 <= score.value <= 1, score

        check("evaluation.jobs.results", results)

        def download():
            raw = client.evaluation.jobs.download_results(ev.id)
            archive = zipfile.ZipFile(io.BytesIO(raw.read()))
            names = archive.namelist()
            assert names, "empty archive"
            return names

        check("evaluation.jobs.download_results (zip)", download)
    if ev2:
        def cancel_eval():
            client.evaluation.jobs.cancel(ev2.id)
            j = wait_for("cancelled", lambda: client.evaluation.jobs.retrieve(ev2.id), lambda j: j.status in ("cancelled", "completed", "failed"))
            assert j.status in ("cancelled", "completed"), j.status

        check("evaluation.jobs.cancel", cancel_eval)
        check("evaluation.jobs.delete", lambda: client.evaluation.jobs.delete(ev2.id))
        expect_error("evaluation.jobs.retrieve deleted -> NotFoundError", (NotFoundError,), lambda: client.evaluation.jobs.retrieve(ev2.id))

    # Clean-up calls Flywheel makes
    check("deployment.model_deployments.delete", lambda: client.deployment.model_deployments.delete(dep_name, namespace=ns))

    def deleted():
        def gone():
            try:
                d = client.deployment.model_deployments.retrieve(dep_name, namespace=ns)
                status_in_enum("deployment (deleting)", d.status_details.status)
                return False
            except NotFoundError:
                return True

        wait_for("deployment gone", gone, lambda g: g)

    check("deployment gone after delete (statuses in enum meanwhile)", deleted)
    check("datasets.delete", lambda: client.datasets.delete("conf-eval", namespace=ns))
    check("customization.configs.delete", lambda: client.customization.configs.delete(config_body["name"], namespace=ns))


# ------------------------------------------------------------------------------ datastore


def datastore(base_url: str, ns: str) -> None:
    os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from huggingface_hub import HfApi, hf_hub_download

    api = HfApi(endpoint=f"{base_url}/v1/hf", token="not-needed")
    repo = f"{ns}/hf-check"
    check("huggingface_hub create_repo", lambda: api.create_repo(repo, repo_type="dataset"))
    check("huggingface_hub create_repo exist_ok", lambda: api.create_repo(repo, repo_type="dataset", exist_ok=True))
    check("huggingface_hub upload_file", lambda: api.upload_file(path_or_fileobj=b'{"a": 1}\n', path_in_repo="training/train_data.jsonl", repo_id=repo, repo_type="dataset"))
    check("huggingface_hub upload_file (second file)", lambda: api.upload_file(path_or_fileobj=b'{"b": 2}\n', path_in_repo="eval_data.jsonl", repo_id=repo, repo_type="dataset"))

    def files():
        got = sorted(api.list_repo_files(repo, repo_type="dataset"))
        assert got == ["eval_data.jsonl", "training/train_data.jsonl"], got

    check("huggingface_hub list_repo_files", files)

    def download():
        cache = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"hf-cache-{ns}")
        path = hf_hub_download(repo, "training/train_data.jsonl", repo_type="dataset", endpoint=f"{base_url}/v1/hf", token="not-needed", cache_dir=cache)
        with open(path, "rb") as f:
            content = f.read()
        assert content == b'{"a": 1}\n', content

    check("huggingface_hub hf_hub_download", download)
    check("huggingface_hub delete_repo", lambda: api.delete_repo(repo, repo_type="dataset"))


# ------------------------------------------------------------------------------------ nim


def nim(base_url: str) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="not-needed", max_retries=0)
    model = "meta/llama-3.3-70b-instruct"
    check("openai models.list", lambda: [m.id for m in client.models.list()])

    def chat_tools():
        r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "where is order 1234?"}], tools=TOOLS, tool_choice="required")
        assert r.choices[0].message.tool_calls, r

    check("openai chat.completions.create with tools", chat_tools)
    check("openai chat.completions.create text", lambda: client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}], max_tokens=8))
    check("openai embeddings.create", lambda: client.embeddings.create(model="nvidia/llama-3.2-nv-embedqa-1b-v2", input=["x"], extra_body={"input_type": "query"}))
    expect_error("openai chat unknown model -> NotFoundError", (openai.NotFoundError,), lambda: client.chat.completions.create(model="nobody/none", messages=[{"role": "user", "content": "hi"}]))


# ------------------------------------------------------------------------------- requests


def requests(path: str) -> None:
    with open(path) as f:
        recorded: List[Dict[str, Any]] = json.load(f)
    for i, entry in enumerate(recorded):
        name = f"request {i}: {entry['route']}"
        check(name, lambda entry=entry: validate_request(entry["route"], entry["body"]))
    REPORT["requests"] = len(recorded)


def main() -> None:
    mode = sys.argv[1]
    REPORT["mode"] = mode
    try:
        if mode == "operations":
            operations(sys.argv[2], sys.argv[3])
        elif mode == "datastore":
            datastore(sys.argv[2], sys.argv[3])
        elif mode == "nim":
            nim(sys.argv[2])
        elif mode == "requests":
            requests(sys.argv[2])
        else:
            raise SystemExit(f"unknown mode {mode}")
    except Exception as err:  # noqa: BLE001
        REPORT["failures"].append({"check": "driver", "error": traceback.format_exc()[-2000:]})
    print(json.dumps(REPORT))


if __name__ == "__main__":
    main()
